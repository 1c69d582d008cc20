/**
 * The apps/v1 daemonsets, statefulsets and controllerrevisions strategies, as kube-apiserver's: defaults (a
 * DaemonSet's RollingUpdate with one unavailable node and no surge, ten revisions, no replicas; a StatefulSet's
 * OrderedReady, partition 0, Retain), validation in kube's words, the immutable selector, StatefulSet spec
 * fields and revision data, and the template generation annotation that moves only with the template.
 */
import { describe, expect, it } from 'vitest';
import type { ControllerRevision, DaemonSet, KubeObject, StatefulSet } from '../../src/api/index.js';
import { APPS_V1 } from '../../src/apiserver/resources/apps-v1.js';

const daemonsets = APPS_V1.find((r) => r.resource === 'daemonsets')!;
const revisions = APPS_V1.find((r) => r.resource === 'controllerrevisions')!;
const statefulsets = APPS_V1.find((r) => r.resource === 'statefulsets')!;
const CTX = { now: Date.UTC(2026, 0, 1) };

function ds(spec: Partial<NonNullable<DaemonSet['spec']>> = {}, annotations?: Record<string, string>): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', ...(annotations === undefined ? {} : { annotations }) },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
      ...spec,
    },
  };
}

function errors(obj: KubeObject): string[] {
  daemonsets.defaults(obj);
  return daemonsets.validate(obj).map((e) => e.toString());
}

describe('apps/v1 daemonsets', () => {
  it('is served as kube serves it: ds, in category all, with a status subresource and no scale', () => {
    expect(daemonsets).toMatchObject({ kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], hasStatus: true });
    expect(daemonsets.scale).toBeUndefined();
  });

  it('defaults a RollingUpdate of one unavailable node and no surge, ten revisions, and no replicas field', () => {
    const d = ds();
    daemonsets.defaults(d);
    expect(d.spec).toMatchObject({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
    expect(d.spec).not.toHaveProperty('replicas');
    const onDelete = ds({ updateStrategy: { type: 'OnDelete' } });
    daemonsets.defaults(onDelete);
    expect(onDelete.spec!.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it.each([
    ['an empty selector', ds({ selector: {} }), 'spec.selector: Invalid value: map[string]string{}: empty selector is invalid for daemonset'],
    ['a selector that misses the template', ds({ selector: { matchLabels: { app: 'other' } } }), 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`'],
    ['no surge and no unavailability', ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }), 'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    ['surge with unavailability (maxUnavailable defaults to 1)', ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } }), 'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero'],
    ['a bad percentage', ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } } }), 'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%'],
    ['a word for a number', ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 'one' } } }), `spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "one": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`],
  ])('refuses %s', (_what, obj, message) => {
    expect(errors(obj)).toContain(message);
  });

  it('refuses a template that does not restart Always or sets activeDeadlineSeconds', () => {
    const d = ds();
    d.spec!.template.spec!.restartPolicy = 'OnFailure';
    d.spec!.template.spec!.activeDeadlineSeconds = 30;
    expect(errors(d)).toEqual(
      expect.arrayContaining([
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported',
      ]),
    );
  });

  it('refuses an unknown update strategy type, listing RollingUpdate and OnDelete', () => {
    const msgs = errors(ds({ updateStrategy: { type: 'Recreate' as 'OnDelete' } }));
    expect(msgs).toEqual([expect.stringMatching(/^spec\.updateStrategy: Unsupported value: .*Recreate.*: supported values: "RollingUpdate", "OnDelete"$/)]);
  });

  it('checks a status write: counts at least 0 and a collision count that never goes down', () => {
    const validate = daemonsets.validateStatusUpdate!;
    const withStatus = (status: Partial<NonNullable<DaemonSet['status']>>): DaemonSet => ({ ...ds(), status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, ...status } });
    expect(validate(withStatus({ numberReady: 2, collisionCount: 2 }), withStatus({ collisionCount: 1 }))).toEqual([]);
    expect(validate(withStatus({ numberReady: -1, collisionCount: 0 }), withStatus({ collisionCount: 1 })).map((e) => e.toString())).toEqual([
      'status.numberReady: Invalid value: -1: must be greater than or equal to 0',
      'status.collisionCount: Invalid value: 0: cannot be decremented',
    ]);
  });

  it('keeps the selector immutable', () => {
    const old = ds();
    const changed = ds({ selector: { matchLabels: { app: 'agent', tier: 'x' } } });
    expect(daemonsets.validateUpdate(changed, old).map((e) => e.toString())).toEqual([expect.stringMatching(/^spec\.selector: Invalid value: .*: field is immutable$/)]);
    expect(daemonsets.validateUpdate(ds(), old)).toEqual([]);
  });

  it('starts the template generation at 1 and bumps it, with the generation, only when the template changes', () => {
    const created = ds();
    daemonsets.prepareForCreate(created, CTX);
    expect(created.metadata).toMatchObject({ generation: 1, annotations: { 'deprecated.daemonset.template.generation': '1' } });

    const strategyOnly = ds({ minReadySeconds: 5 }, { 'deprecated.daemonset.template.generation': '7' });
    daemonsets.prepareForUpdate(strategyOnly, created, CTX);
    expect(strategyOnly.metadata).toMatchObject({ generation: 2, annotations: { 'deprecated.daemonset.template.generation': '1' } });

    const image = ds();
    image.spec!.template.spec!.containers[0]!.image = 'i:2';
    daemonsets.prepareForUpdate(image, strategyOnly, CTX);
    expect(image.metadata).toMatchObject({ generation: 3, annotations: { 'deprecated.daemonset.template.generation': '2' } });
  });
});

describe('apps/v1 controllerrevisions', () => {
  const rev = (data: unknown, revision = 1): ControllerRevision => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'agent-abc', namespace: 'default' }, data, revision });

  it('needs data and a revision of at least 0', () => {
    expect(revisions.validate(rev(undefined, -1)).map((e) => e.toString())).toEqual(['data: Required value: data is mandatory', 'revision: Invalid value: -1: must be greater than or equal to 0']);
    expect(revisions.validate(rev({ spec: {} }))).toEqual([]);
  });

  it('never changes its data, though its revision may move', () => {
    expect(revisions.validateUpdate(rev({ a: 1 }, 5), rev({ a: 1 }, 1))).toEqual([]);
    expect(revisions.validateUpdate(rev({ a: 2 }), rev({ a: 1 })).map((e) => e.toString())).toEqual(['data: Invalid value: {"a":2}: field is immutable']);
  });
});

describe('apps/v1 statefulsets', () => {
  const sts = (spec: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'db' } }, serviceName: 'db', template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'db:1' }] } }, ...spec },
  });
  const check = (o: StatefulSet): string[] => {
    statefulsets.defaults(o);
    return statefulsets.validate(o).map((e) => e.toString());
  };

  it('is served as kube serves it: sts, in category all, with status and scale', () => {
    expect(statefulsets).toMatchObject({ kind: 'StatefulSet', shortNames: ['sts'], categories: ['all'], hasStatus: true });
    expect(statefulsets.scale).toBeDefined();
  });

  it('defaults one replica, OrderedReady, a RollingUpdate at partition 0, ten revisions, Retain claims, Filesystem claim templates', () => {
    const o = sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] });
    statefulsets.defaults(o);
    expect(o.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
    });
    const onDelete = sts({ updateStrategy: { type: 'OnDelete' } });
    statefulsets.defaults(onDelete);
    expect(onDelete.spec!.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it.each([
    ['an unknown pod management policy', sts({ podManagementPolicy: 'Random' as 'Parallel' }), `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`],
    ['OnDelete with rolling parameters', sts({ updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } }), expect.stringMatching(/^spec\.updateStrategy\.rollingUpdate: Invalid value: .*: only allowed for updateStrategy 'RollingUpdate'$/)],
    ['a negative partition', sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }), 'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0'],
    ['an empty selector', sts({ selector: {} }), expect.stringContaining('empty selector is invalid for statefulset')],
  ])('refuses %s', (_what, obj, message) => {
    expect(check(obj)).toContainEqual(message);
  });

  it('lets an update change only replicas, template, updateStrategy, minReadySeconds, ordinals and the claim retention policy (Kubernetes 1.32)', () => {
    const old = sts();
    statefulsets.defaults(old);
    const scaled = sts({ replicas: 5, minReadySeconds: 3 });
    statefulsets.defaults(scaled);
    expect(statefulsets.validateUpdate(scaled, old)).toEqual([]);
    const renamed = sts({ serviceName: 'other' });
    statefulsets.defaults(renamed);
    expect(statefulsets.validateUpdate(renamed, old).map((e) => e.toString())).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it('checks a status write: counts at least 0 and a collision count that never goes down', () => {
    const withStatus = (status: NonNullable<StatefulSet['status']>): StatefulSet => ({ ...sts(), status });
    expect(statefulsets.validateStatusUpdate!(withStatus({ replicas: 2, collisionCount: 1 }), withStatus({ replicas: 1 }))).toEqual([]);
    expect(statefulsets.validateStatusUpdate!(withStatus({ replicas: -1 }), withStatus({ replicas: 1, collisionCount: 2 })).map((e) => e.toString())).toEqual(
      expect.arrayContaining(['status.replicas: Invalid value: -1: must be greater than or equal to 0', 'status.collisionCount: Invalid value: 0: cannot be decremented']),
    );
    expect(statefulsets.validateStatusUpdate!(withStatus({ replicas: 2, readyReplicas: 3, availableReplicas: 3 }), withStatus({ replicas: 1 })).map((e) => e.toString())).toEqual([
      'status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas',
    ]);
  });

  it('names pods after the set, so its name must be a DNS label; claim templates say what they are; retention is Retain or Delete', () => {
    expect(statefulsets.validateName('db', false)).toEqual([]);
    expect(statefulsets.validateName('db.v1', false)).not.toEqual([]);
    const o = sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } });
    expect(check(o)).toContain('spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"');
    expect(o.spec!.volumeClaimTemplates![0]).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
  });

  it('drops rollingUpdate.maxUnavailable (behind a feature gate that is off in Kubernetes 1.32) unless the stored object has it', () => {
    const created = sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1, maxUnavailable: 2 } } });
    statefulsets.prepareForCreate(created, CTX);
    expect(created.spec!.updateStrategy!.rollingUpdate).toEqual({ partition: 1 });
    const old = sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } });
    const kept = sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } });
    statefulsets.prepareForUpdate(kept, old, CTX);
    expect(kept.spec!.updateStrategy!.rollingUpdate).toEqual({ maxUnavailable: 2 });
  });
});
