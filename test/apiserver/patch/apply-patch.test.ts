import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type JsonObject,
  type JsonValue,
  PATCH_MEDIA_TYPES,
  PatchDecodeError,
  PatchInvalidError,
  PatchNameMismatchError,
  PatchNamespaceMismatchError,
  UnsupportedPatchTypeError,
  acceptedPatchMediaTypes,
  applyPatch,
  patchTypeFromContentType,
} from '../../../src/apiserver/patch/index.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const NODE = { group: '', version: 'v1', kind: 'Node' };
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };
const CR = { group: 'example.com', version: 'v1', kind: 'Widget' };

const pod: JsonObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', resourceVersion: '10', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'i:1' }] },
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('patch types from Content-Type', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['application/json', undefined],
    ['Application/Merge-Patch+JSON', undefined],
    [';application/merge-patch+json', undefined],
    [undefined, undefined],
  ])('%s → %s', (contentType, want) => {
    expect(patchTypeFromContentType(contentType)).toBe(want);
  });

  it('built-in kinds accept strategic merge patch; custom resources do not', () => {
    expect(acceptedPatchMediaTypes(POD)).toEqual([PATCH_MEDIA_TYPES.json, PATCH_MEDIA_TYPES.merge, PATCH_MEDIA_TYPES.strategic]);
    expect(acceptedPatchMediaTypes(CR)).toEqual([PATCH_MEDIA_TYPES.json, PATCH_MEDIA_TYPES.merge]);
  });

  it('strategic merge patch on a custom resource answers 415 with the accepted list', () => {
    const cr = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const err = thrown(() => applyPatch('strategic', cr, '{}', CR));
    expect(err).toBeInstanceOf(UnsupportedPatchTypeError);
    expect(err).toMatchObject({
      httpCode: 415,
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    });
  });

  it('server-side apply answers 415 (not implemented)', () => {
    const err = thrown(() => applyPatch('apply', pod, 'apiVersion: v1\nkind: Pod\n', POD));
    expect(err).toBeInstanceOf(UnsupportedPatchTypeError);
    expect(err).toMatchObject({ httpCode: 415, contentType: 'application/apply-patch+yaml' });
  });

  it('a strategic patch body that is not an object answers 400 with the Go decoding message', () => {
    const err = thrown(() => applyPatch('strategic', pod, '["x"]', POD));
    expect(err).toBeInstanceOf(PatchDecodeError);
    expect(err).toMatchObject({ httpCode: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' });
    expect(applyPatch('strategic', pod, 'null', POD)).toEqual(pod);
  });
});

describe('identity guards after the patch', () => {
  it.each(['json', 'merge', 'strategic'] as const)('%s: a changed name answers 400', (type) => {
    const body =
      type === 'json' ? '[{"op":"replace","path":"/metadata/name","value":"q"}]' : '{"metadata":{"name":"q"}}';
    const err = thrown(() => applyPatch(type, pod, body, POD));
    expect(err).toBeInstanceOf(PatchNameMismatchError);
    expect(err).toMatchObject({ httpCode: 400, reason: 'BadRequest', message: 'the name of the object (q) does not match the name on the URL (p)' });
  });

  it('a removed name answers 400 too', () => {
    const err = thrown(() => applyPatch('merge', pod, '{"metadata":null}', POD));
    expect(err).toMatchObject({ message: 'the name of the object () does not match the name on the URL (p)' });
  });

  it('another namespace answers 400; a cleared namespace is restored', () => {
    const err = thrown(() => applyPatch('merge', pod, '{"metadata":{"namespace":"other"}}', POD));
    expect(err).toBeInstanceOf(PatchNamespaceMismatchError);
    expect(err).toMatchObject({ httpCode: 400, message: 'the namespace of the provided object does not match the namespace sent on the request' });
    expect(applyPatch('merge', pod, '{"metadata":{"namespace":null}}', POD)).toEqual(pod);
  });

  it('a namespace set on a cluster-scoped object is cleared', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', uid: 'u' } };
    expect(applyPatch('merge', node, '{"metadata":{"namespace":"x"}}', NODE)).toEqual(node);
  });

  it('a changed uid answers 422 Invalid, field is immutable', () => {
    const err = thrown(() => applyPatch('strategic', pod, '{"metadata":{"uid":"u2"}}', POD));
    expect(err).toBeInstanceOf(PatchInvalidError);
    expect(err).toMatchObject({
      httpCode: 422,
      reason: 'Invalid',
      message: 'Pod "p" is invalid: metadata.uid: Invalid value: "u2": field is immutable',
      details: { name: 'p', group: '', kind: 'Pod', causes: [{ reason: 'FieldValueInvalid', field: 'metadata.uid', message: 'Invalid value: "u2": field is immutable' }] },
    });
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n', uid: 'u' } };
    expect(thrown(() => applyPatch('merge', d, '{"metadata":{"uid":"v"}}', DEPLOYMENT))).toMatchObject({
      message: 'Deployment.apps "d" is invalid: metadata.uid: Invalid value: "v": field is immutable',
    });
  });

  it('a cleared uid, apiVersion or kind is restored', () => {
    expect(applyPatch('merge', pod, '{"apiVersion":null,"kind":"","metadata":{"uid":null}}', POD)).toEqual(pod);
    expect(applyPatch('json', pod, '[{"op":"remove","path":"/metadata/uid"},{"op":"remove","path":"/kind"}]', POD)).toEqual(pod);
  });

  it('another kind: JSON and merge patches do not decode (422); strategic merge patch ignores it', () => {
    const err = thrown(() => applyPatch('merge', pod, '{"kind":"Service"}', POD));
    expect(err).toBeInstanceOf(PatchInvalidError);
    expect((err as Error).message).toBe(
      ' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Service\\",\\"metadata\\":{\\"labels\\":{\\"app\\":\\"web\\"},\\"name\\":\\"p\\",\\"namespace\\":\\"default\\",\\"resourceVersion\\":\\"10\\",\\"uid\\":\\"u1\\"},\\"spec\\":{\\"containers\\":[{\\"image\\":\\"i:1\\",\\"name\\":\\"c\\"}]}}": unable to decode /v1, Kind=Service into *core.Pod',
    );
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n', uid: 'u' } };
    expect(thrown(() => applyPatch('json', d, '[{"op":"replace","path":"/apiVersion","value":"apps/v1beta2"}]', DEPLOYMENT))).toMatchObject({
      httpCode: 422,
      fieldErrors: [{ detail: 'unable to decode apps/v1beta2, Kind=Deployment into *apps.Deployment' }],
    });
    expect(applyPatch('strategic', pod, '{"kind":"Service","apiVersion":"v2"}', POD)).toEqual(pod);
  });

  it('resourceVersion is left for the update path (a precondition)', () => {
    expect(applyPatch('strategic', pod, '{"metadata":{"resourceVersion":"9"}}', POD)).toMatchObject({ metadata: { resourceVersion: '9' } });
  });
});

describe('patches kubectl and the kubelet send', () => {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', uid: 'nu', labels: { 'kubernetes.io/hostname': 'n1' } },
    spec: { podCIDR: '10.0.1.0/24', podCIDRs: ['10.0.1.0/24'] },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2026-12-01T10:00:00Z' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-12-01T10:00:00Z' },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }],
    },
  };

  it('kubectl cordon and taint (strategic; taints are replaced whole)', () => {
    const cordoned = applyPatch('strategic', node, '{"spec":{"unschedulable":true}}', NODE);
    expect(cordoned.spec).toEqual({ ...node.spec, unschedulable: true });
    const tainted = applyPatch('strategic', { ...node, spec: { ...node.spec, taints: [{ key: 'a', effect: 'NoSchedule' }] } }, '{"spec":{"taints":[{"effect":"NoExecute","key":"b"}]}}', NODE);
    expect((tainted.spec as JsonObject).taints).toEqual([{ effect: 'NoExecute', key: 'b' }]);
  });

  it('kubelet node status heartbeat ($setElementOrder/conditions, merge by type)', () => {
    const body = {
      status: {
        '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
        conditions: [
          { type: 'MemoryPressure', lastHeartbeatTime: '2026-12-01T10:00:10Z' },
          { type: 'Ready', lastHeartbeatTime: '2026-12-01T10:00:10Z' },
        ],
      },
    };
    const out = applyPatch('strategic', node, JSON.stringify(body), NODE);
    expect((out.status as JsonObject).conditions).toEqual([
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2026-12-01T10:00:10Z' },
      { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-12-01T10:00:10Z' },
    ]);
    expect((out.status as JsonObject).addresses).toEqual(node.status.addresses);
  });

  it('kubelet pod status (metadata.uid as a guard, conditions by type, podIPs by ip)', () => {
    const running = {
      ...pod,
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
    };
    const body = {
      metadata: { uid: 'u1' },
      status: {
        '$setElementOrder/conditions': [{ type: 'Ready' }, { type: 'PodScheduled' }],
        conditions: [{ type: 'Ready', status: 'True' }],
        phase: 'Running',
        podIP: '10.0.1.5',
        podIPs: [{ ip: '10.0.1.5' }],
        containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: { startedAt: '2026-12-01T10:00:05Z' } } }],
      },
    };
    const out = applyPatch('strategic', running, JSON.stringify(body), POD);
    expect(out.status).toEqual({
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
      podIP: '10.0.1.5',
      podIPs: [{ ip: '10.0.1.5' }],
      containerStatuses: body.status.containerStatuses,
    });
    expect(thrown(() => applyPatch('strategic', running, '{"metadata":{"uid":"other"},"status":{}}', POD))).toBeInstanceOf(PatchInvalidError);
  });

  it('kubectl rollout restart and set image (strategic, Deployment)', () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', uid: 'du' },
      spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1' }, { name: 'log', image: 'fluent:1' }] } } },
    };
    const restarted = applyPatch('strategic', d, '{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-12-02T03:00:00Z"}}}}}', DEPLOYMENT);
    expect(restarted).toMatchObject({ spec: { template: { metadata: { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-02T03:00:00Z' } } } } });
    const updated = applyPatch('strategic', d, '{"spec":{"template":{"spec":{"containers":[{"image":"nginx:2","name":"app"}]}}}}', DEPLOYMENT);
    expect(updated).toMatchObject({ spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }, { name: 'log', image: 'fluent:1' }] } } } });
  });
});

describe('kubectl', () => {
  it('label and annotate send merge patches', () => {
    const out = applyPatch('merge', pod, '{"metadata":{"annotations":{"note":"x"},"labels":{"app":null,"tier":"fe"}}}', POD);
    expect(out.metadata).toEqual({ ...(pod.metadata as JsonObject), labels: { tier: 'fe' }, annotations: { note: 'x' } });
  });

  /*
   * A second `kubectl apply` of a Deployment whose container image and env changed and whose sidecar container
   * was removed. The patch below is what kubectl computes (strategicpatch.CreateThreeWayMergePatch from the
   * last-applied annotation, the live object and the new configuration), worked out by hand:
   * - changes and additions come from live → new, deletions from last-applied → new;
   * - changed merge-list entries carry their merge key, deleted ones `$patch: delete`, and every touched merge
   *   list gets `$setElementOrder/<list>` with the new configuration's order;
   * - the last-applied annotation is replaced by the new configuration.
   */
  it('apply: three-way strategic merge patch of a Deployment (image, env, removed container)', () => {
    const lastApplied = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'nginx:1.25',
                env: [
                  { name: 'MODE', value: 'blue' },
                  { name: 'LOG', value: 'info' },
                ],
                ports: [{ containerPort: 80 }],
              },
              { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', 'infinity'] },
            ],
          },
        },
      },
    };
    const newConfig = structuredClone(lastApplied);
    newConfig.spec.replicas = 3;
    newConfig.spec.template.spec.containers = [
      {
        name: 'app',
        image: 'nginx:1.27',
        env: [
          { name: 'MODE', value: 'green' },
          { name: 'REGION', value: 'eu' },
        ],
        ports: [{ containerPort: 80 }],
      },
    ];
    const lastAppliedKey = 'kubectl.kubernetes.io/last-applied-configuration';
    const defaults = { imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' };
    const live = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'default',
        uid: '6f1c2a8e-0d55-4c3b-9a3e-3f1f0b1c2d3e',
        resourceVersion: '4711',
        generation: 1,
        creationTimestamp: '2026-12-01T10:00:00Z',
        labels: { app: 'web' },
        annotations: { 'deployment.kubernetes.io/revision': '1', [lastAppliedKey]: `${JSON.stringify(lastApplied)}\n` },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'nginx:1.25',
                env: [
                  { name: 'MODE', value: 'blue' },
                  { name: 'LOG', value: 'info' },
                ],
                ports: [{ containerPort: 80, protocol: 'TCP' }],
                ...defaults,
              },
              { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', 'infinity'], ...defaults },
            ],
            restartPolicy: 'Always',
            dnsPolicy: 'ClusterFirst',
            terminationGracePeriodSeconds: 30,
          },
        },
      },
      status: { observedGeneration: 1, replicas: 2, readyReplicas: 2 },
    };
    const newAnnotation = `${JSON.stringify(newConfig)}\n`;
    const kubectlPatch = {
      metadata: { annotations: { [lastAppliedKey]: newAnnotation } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'MODE' }, { name: 'REGION' }],
                env: [
                  { name: 'MODE', value: 'green' },
                  { name: 'REGION', value: 'eu' },
                  { $patch: 'delete', name: 'LOG' },
                ],
                image: 'nginx:1.27',
                name: 'app',
              },
              { $patch: 'delete', name: 'sidecar' },
            ],
          },
        },
      },
    };

    const out = applyPatch('strategic', live, JSON.stringify(kubectlPatch), DEPLOYMENT);

    const want = structuredClone(live);
    want.metadata.annotations[lastAppliedKey] = newAnnotation;
    want.spec.replicas = 3;
    want.spec.template.spec.containers = [
      {
        ...live.spec.template.spec.containers[0]!,
        image: 'nginx:1.27',
        env: [
          { name: 'MODE', value: 'green' },
          { name: 'REGION', value: 'eu' },
        ],
      },
    ];
    expect(out).toEqual(want);
    // Server-side defaults the configuration never mentioned survive; so does the status.
    expect(out).toMatchObject({ spec: { strategy: live.spec.strategy, template: { spec: { dnsPolicy: 'ClusterFirst' } } }, status: live.status });
  });
});

/** jsonObject is an arbitrary object as the store holds it: JSON round-tripped, with a name to keep. */
const storedObject = fc
  .tuple(fc.dictionary(fc.string(), fc.jsonValue()), fc.string({ minLength: 1 }), fc.string(), fc.string())
  .map(([body, name, namespace, uid]) => {
    const obj = { ...body, metadata: { name, namespace, uid } };
    return JSON.parse(JSON.stringify(obj), (k, v: JsonValue) => (k === '__proto__' ? undefined : v)) as JsonObject;
  });

describe('properties', () => {
  it('the empty patch of every type leaves any object unchanged', () => {
    fc.assert(
      fc.property(storedObject, (obj) => {
        const before = structuredClone(obj);
        expect(applyPatch('merge', obj, '{}', POD)).toEqual(before);
        expect(applyPatch('strategic', obj, '{}', POD)).toEqual(before);
        expect(applyPatch('strategic', obj, '{}', DEPLOYMENT)).toEqual(before);
        expect(applyPatch('json', obj, '[]', POD)).toEqual(before);
        expect(applyPatch('json', obj, '[]', CR)).toEqual(before);
        expect(obj).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('a JSON patch "test" of the whole document against itself passes', () => {
    fc.assert(
      fc.property(storedObject, (obj) => {
        expect(applyPatch('json', obj, JSON.stringify([{ op: 'test', path: '', value: obj }]), POD)).toEqual(obj);
      }),
      { numRuns: 100 },
    );
  });

  it('setting a label by merge patch and by strategic merge patch agree', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.option(fc.string(), { nil: null })), (labels) => {
        const body = JSON.stringify({ metadata: { labels } });
        expect(applyPatch('strategic', pod, body, POD)).toEqual(applyPatch('merge', pod, body, POD));
      }),
      { numRuns: 200 },
    );
  });
});
