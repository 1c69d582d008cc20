/**
 * The DaemonSet controller's pure decisions, table-driven as kube's daemon_controller_test and update_test:
 * which nodes should run the pod (selector, required affinity, template nodeName, taints against the daemon
 * tolerations), the pod made for a node, what manage creates and deletes, how a rolling update steps within
 * maxUnavailable or maxSurge, the status counted in nodes, and the revision history's patch and cleanup.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, type ControllerRevision, type DaemonSet, type Node, type Pod, type Taint } from '../../../../src/api/index.js';
import { CONTROLLER_REVISION_HASH_LABEL, historyToDelete, newRevision, revisionHash, revisionMatches, revisionPatch, splitHistory } from '../../../../src/components/controllers/workloads/controller-history.js';
import {
  DAEMON_SET_KIND,
  daemonSetStatus,
  groupByNode,
  newDaemonPod,
  nodeShouldRunDaemonPod,
  planManage,
  planRollingUpdate,
  targetNodeName,
} from '../../../../src/components/controllers/workloads/daemon-set-sync.js';
import { T0, pod } from './fixtures.js';

function daemonSet(o: { nodeSelector?: Record<string, string>; maxUnavailable?: number | string; maxSurge?: number | string; minReadySeconds?: number; nodeName?: string; tolerations?: NonNullable<Pod['spec']>['tolerations'] } = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ds', namespace: 'default', uid: 'uid-ds', generation: 2, annotations: { 'deprecated.daemonset.template.generation': '2' } },
    spec: {
      selector: { matchLabels: { foo: 'bar' } },
      template: {
        metadata: { labels: { foo: 'bar' } },
        spec: {
          containers: [{ name: 'c', image: 'i:2' }],
          ...(o.nodeSelector === undefined ? {} : { nodeSelector: o.nodeSelector }),
          ...(o.nodeName === undefined ? {} : { nodeName: o.nodeName }),
          ...(o.tolerations === undefined ? {} : { tolerations: o.tolerations }),
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: o.maxUnavailable ?? 1, maxSurge: o.maxSurge ?? 0 } },
      ...(o.minReadySeconds === undefined ? {} : { minReadySeconds: o.minReadySeconds }),
      revisionHistoryLimit: 2,
    },
  };
}

function node(name: string, o: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: o.labels ?? {} }, spec: o.taints === undefined ? {} : { taints: o.taints } };
}

/** daemonPod is a pod of ds on nodeName, current (hash h2) or old (h1), ready unless said. */
function daemonPod(name: string, nodeName: string, o: { current?: boolean; ready?: boolean; phase?: 'Running' | 'Failed' | 'Succeeded'; created?: number; deleting?: boolean; readySince?: number } = {}): Pod {
  const p = pod(name, { node: nodeName, ready: o.ready ?? true, phase: o.phase ?? 'Running', created: o.created ?? T0, ...(o.readySince === undefined ? {} : { readySince: o.readySince }) });
  p.metadata.labels = { foo: 'bar', [CONTROLLER_REVISION_HASH_LABEL]: o.current === false ? 'h1' : 'h2', 'pod-template-generation': o.current === false ? '1' : '2' };
  if (o.deleting === true) p.metadata.deletionTimestamp = formatTime(T0);
  return p;
}

const NOW = T0 + 60_000;

describe('nodeShouldRunDaemonPod', () => {
  it.each([
    ['a plain node', node('n'), daemonSet(), true, true],
    ['a node matching the node selector', node('n', { labels: { disk: 'ssd' } }), daemonSet({ nodeSelector: { disk: 'ssd' } }), true, true],
    ['a node missing the node selector', node('n'), daemonSet({ nodeSelector: { disk: 'ssd' } }), false, false],
    ['another node than the template names', node('n'), daemonSet({ nodeName: 'm' }), false, false],
    ['an untolerated NoSchedule taint', node('n', { taints: [{ key: 'k', effect: 'NoSchedule' }] }), daemonSet(), false, true],
    ['an untolerated NoExecute taint', node('n', { taints: [{ key: 'k', effect: 'NoExecute' }] }), daemonSet(), false, false],
    ['a tolerated NoExecute taint', node('n', { taints: [{ key: 'k', effect: 'NoExecute' }] }), daemonSet({ tolerations: [{ key: 'k', operator: 'Exists' }] }), true, true],
    ['a PreferNoSchedule taint', node('n', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }), daemonSet(), true, true],
    ['an unreachable node (tolerated by every daemon pod)', node('n', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), daemonSet(), true, true],
    ['a cordoned node (tolerated)', node('n', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), daemonSet(), true, true],
    ['a not-ready node tainted NoSchedule', node('n', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }), daemonSet(), false, true],
  ] as const)('%s', (_what, n, ds, shouldRun, shouldContinueRunning) => {
    expect(nodeShouldRunDaemonPod(n, ds)).toEqual({ shouldRun, shouldContinueRunning });
  });
});

describe('newDaemonPod', () => {
  it('pins the pod to its node by affinity, adds the daemon tolerations and labels, and is controlled by the DaemonSet', () => {
    const ds = daemonSet({ tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] });
    const p = newDaemonPod(ds, 'node-7', 'h2', 2);
    expect(p.metadata).toMatchObject({ generateName: 'ds-', namespace: 'default', labels: { foo: 'bar', 'controller-revision-hash': 'h2', 'pod-template-generation': '2' } });
    expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'uid-ds', controller: true, blockOwnerDeletion: true }]);
    expect(p.spec!.nodeName).toBeUndefined(); // the scheduler binds it
    expect(p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-7'] }] }] });
    expect(targetNodeName(p)).toBe('node-7');
    const keys = p.spec!.tolerations!.map((t) => `${t.key}:${t.effect}`);
    expect(keys).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    // The template's own unreachable toleration is replaced: a daemon pod stays however long the node is gone.
    expect(p.spec!.tolerations![0]).toEqual({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
    expect(ds.spec!.template.spec!.tolerations).toHaveLength(1); // the DaemonSet itself is untouched
  });
});

describe('planManage', () => {
  const nodes = [node('a'), node('b'), node('c', { labels: { skip: 'yes' } })];
  const ds = daemonSet({ nodeSelector: {} });

  it('creates a pod on each node without one and deletes the extra, failed, succeeded and misplaced ones', () => {
    const selective = daemonSet();
    selective.spec!.template.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] }] } } };
    const byNode = groupByNode([
      daemonPod('a-old', 'a', { created: T0 }),
      daemonPod('a-new', 'a', { created: T0 + 1000 }),
      daemonPod('c-1', 'c'),
      daemonPod('gone-1', 'gone'),
    ]);
    const unscheduled = newDaemonPod(selective, 'vanished', 'h2', 2);
    unscheduled.metadata.name = 'unscheduled';
    const withUnscheduled = groupByNode([...[...byNode.values()].flat(), unscheduled]);
    const plan = planManage(selective, nodes, withUnscheduled, 'h2', NOW);
    expect(plan.create).toEqual(['b']);
    expect(plan.delete.map((p) => p.metadata.name).sort()).toEqual(['a-new', 'c-1', 'unscheduled']);
    expect(plan.failed).toEqual([]);
    expect(planManage(ds, nodes, groupByNode([daemonPod('f', 'a', { phase: 'Failed' }), daemonPod('s', 'b', { phase: 'Succeeded' })]), 'h2', NOW)).toMatchObject({
      create: ['c'],
      delete: [expect.objectContaining({ metadata: expect.objectContaining({ name: 's' }) })],
      failed: [expect.objectContaining({ metadata: expect.objectContaining({ name: 'f' }) })],
      succeeded: [expect.objectContaining({ metadata: expect.objectContaining({ name: 's' }) })],
    });
  });

  it('waits for a pod being deleted instead of starting a second one', () => {
    const plan = planManage(ds, [node('a')], groupByNode([daemonPod('a-1', 'a', { deleting: true })]), 'h2', NOW);
    expect(plan).toEqual({ create: [], delete: [], failed: [], succeeded: [] });
    // surging, the node must have a pod that is not being deleted: a new one starts at once
    const surging = daemonSet({ maxSurge: 1, maxUnavailable: 0 });
    expect(planManage(surging, [node('a')], groupByNode([daemonPod('a-1', 'a', { deleting: true })]), 'h2', NOW).create).toEqual(['a']);
  });

  it('keeps the scheduled pod over an older one that is not bound yet, then the oldest', () => {
    const pending = daemonPod('a-pending', 'a', { created: T0 - 60_000 });
    delete pending.spec!.nodeName;
    pending.spec!.affinity = newDaemonPod(ds, 'a', 'h2', 2).spec!.affinity!;
    const plan = planManage(ds, [node('a')], groupByNode([pending, daemonPod('a-young', 'a', { created: T0 + 5_000 }), daemonPod('a-old', 'a', { created: T0 })]), 'h2', NOW);
    expect(plan.delete.map((p) => p.metadata.name).sort()).toEqual(['a-pending', 'a-young']);
  });

  it('with surge keeps an old pod until the new one on its node is available, then deletes it', () => {
    const surging = daemonSet({ maxSurge: 1, maxUnavailable: 0, minReadySeconds: 10 });
    const pending = groupByNode([daemonPod('old', 'a', { current: false }), daemonPod('new', 'a', { ready: true, readySince: NOW - 5_000 })]);
    expect(planManage(surging, [node('a')], pending, 'h2', NOW).delete).toEqual([]);
    const available = groupByNode([daemonPod('old', 'a', { current: false }), daemonPod('new', 'a', { ready: true, readySince: NOW - 20_000 })]);
    expect(planManage(surging, [node('a')], available, 'h2', NOW).delete.map((p) => p.metadata.name)).toEqual(['old']);
  });
});

describe('planRollingUpdate', () => {
  const nodes = ['a', 'b', 'c', 'd'].map((n) => node(n));

  it('without surge deletes old pods only while fewer than maxUnavailable nodes lack an available pod', () => {
    const old = ['a', 'b', 'c', 'd'].map((n) => daemonPod(`${n}-old`, n, { current: false }));
    expect(planRollingUpdate(daemonSet({ maxUnavailable: 1 }), nodes, groupByNode(old), 'h2', 2, NOW).delete.map((p) => p.metadata.name)).toEqual(['a-old']);
    expect(planRollingUpdate(daemonSet({ maxUnavailable: '50%' }), nodes, groupByNode(old), 'h2', 2, NOW).delete).toHaveLength(2);
    // a node whose new pod is not ready yet uses up the budget
    const midway = groupByNode([daemonPod('a-new', 'a', { ready: false }), ...old.slice(1)]);
    expect(planRollingUpdate(daemonSet({ maxUnavailable: 1 }), nodes, midway, 'h2', 2, NOW).delete).toEqual([]);
    // an old pod that is not available is replaced whatever the budget
    const broken = groupByNode([daemonPod('a-new', 'a', { ready: false }), daemonPod('b-old', 'b', { current: false, ready: false }), ...old.slice(2)]);
    expect(planRollingUpdate(daemonSet({ maxUnavailable: 1 }), nodes, broken, 'h2', 2, NOW).delete.map((p) => p.metadata.name)).toEqual(['b-old']);
    // ... and uses up the budget: no available old pod goes with it
    const oneBroken = groupByNode([daemonPod('a-old', 'a', { current: false, ready: false }), ...old.slice(1)]);
    expect(planRollingUpdate(daemonSet({ maxUnavailable: 1 }), nodes, oneBroken, 'h2', 2, NOW).delete.map((p) => p.metadata.name)).toEqual(['a-old']);
  });

  it('with surge starts new pods on up to maxSurge nodes and deletes old pods whose replacement is available', () => {
    const surging = daemonSet({ maxSurge: 2, maxUnavailable: 0 });
    const old = ['a', 'b', 'c', 'd'].map((n) => daemonPod(`${n}-old`, n, { current: false }));
    expect(planRollingUpdate(surging, nodes, groupByNode(old), 'h2', 2, NOW)).toEqual({ delete: [], create: ['a', 'b'] });
    const surged = groupByNode([...old, daemonPod('a-new', 'a'), daemonPod('b-new', 'b', { ready: false })]);
    const plan = planRollingUpdate(surging, nodes, surged, 'h2', 2, NOW);
    expect(plan.delete.map((p) => p.metadata.name)).toEqual(['a-old']);
    expect(plan.create).toEqual(['c']); // b still surging: one more slot
  });

  it('with surge leaves a node that no longer wants the pod only once enough pods are available elsewhere', () => {
    const surging = daemonSet({ maxSurge: 1, maxUnavailable: 0, nodeSelector: { role: 'x' } });
    const three = [node('a', { labels: { role: 'x' } }), node('b', { labels: { role: 'x' } }), node('c')];
    // c lost the label: its old pod stays while a and b (which want the pod) have only two available pods between them
    const early = groupByNode([daemonPod('a-new', 'a'), daemonPod('b-new', 'b', { ready: false }), daemonPod('c-old', 'c', { current: false })]);
    expect(planRollingUpdate(surging, three, early, 'h2', 2, NOW)).toEqual({ delete: [], create: [] });
    const later = groupByNode([daemonPod('a-new', 'a'), daemonPod('b-new', 'b'), daemonPod('c-old', 'c', { current: false })]);
    expect(planRollingUpdate(surging, three, later, 'h2', 2, NOW).delete.map((p) => p.metadata.name)).toEqual(['c-old']);
    // an unavailable old pod on such a node goes at once, and no surge pod is started there
    const broken = groupByNode([daemonPod('a-new', 'a'), daemonPod('b-new', 'b', { ready: false }), daemonPod('c-old', 'c', { current: false, ready: false })]);
    expect(planRollingUpdate(surging, three, broken, 'h2', 2, NOW)).toEqual({ delete: [expect.objectContaining({ metadata: expect.objectContaining({ name: 'c-old' }) })], create: [] });
  });

  it('counts a pod of the current template generation as updated even under another hash', () => {
    const p = daemonPod('a-1', 'a', { current: false });
    p.metadata.labels!['pod-template-generation'] = '2';
    expect(planRollingUpdate(daemonSet(), [node('a')], groupByNode([p]), 'h2', 2, NOW).delete).toEqual([]);
  });
});

describe('daemonSetStatus', () => {
  it('counts nodes: desired, current, ready, available, updated and misscheduled', () => {
    const ds = daemonSet({ nodeSelector: { role: 'x' }, minReadySeconds: 30 });
    const nodes = [node('a', { labels: { role: 'x' } }), node('b', { labels: { role: 'x' } }), node('c', { labels: { role: 'x' } }), node('d')];
    const byNode = groupByNode([
      daemonPod('a-1', 'a', { readySince: NOW - 60_000 }),
      daemonPod('b-1', 'b', { current: false, readySince: NOW - 5_000 }),
      daemonPod('d-1', 'd'),
    ]);
    expect(daemonSetStatus(ds, nodes, byNode, 'h2', 2, NOW, 2)).toEqual({
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      desiredNumberScheduled: 3,
      numberReady: 2,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      numberUnavailable: 2,
      observedGeneration: 2,
    });
  });
});

describe('revision history', () => {
  it('stores the template as a replace patch with sorted keys, named and labelled by its hash', () => {
    const ds = daemonSet();
    const rev = newRevision(ds, DAEMON_SET_KIND, 3);
    const hash = revisionHash(ds);
    expect(rev.metadata).toMatchObject({ name: `ds-${hash}`, labels: { foo: 'bar', 'controller-revision-hash': hash } });
    expect(rev.revision).toBe(3);
    expect(JSON.stringify(rev.data)).toBe(JSON.stringify({ spec: { template: { $patch: 'replace', metadata: { labels: { foo: 'bar' } }, spec: { containers: [{ image: 'i:2', name: 'c' }] } } } }));
    expect(revisionPatch(ds)).toEqual(rev.data);
    expect(revisionMatches(ds, rev)).toBe(true);
    const changed = daemonSet();
    changed.spec!.template.spec!.containers[0]!.image = 'i:3';
    expect(revisionMatches(changed, rev)).toBe(false);
    expect(splitHistory(changed, [rev])).toEqual({ current: [], old: [rev] });
  });

  it('deletes the oldest revisions beyond the limit, sparing those a live pod runs', () => {
    const ds = daemonSet(); // revisionHistoryLimit 2
    const revs: ControllerRevision[] = [1, 2, 3, 4].map((n) => ({ metadata: { name: `r${n}`, labels: { 'controller-revision-hash': `h${n}` } }, revision: n, data: {} }));
    expect(historyToDelete(ds, revs, new Set()).map((r) => r.metadata.name)).toEqual(['r1', 'r2']);
    expect(historyToDelete(ds, revs, new Set(['h1'])).map((r) => r.metadata.name)).toEqual(['r2', 'r3']);
    expect(historyToDelete(ds, revs.slice(0, 2), new Set())).toEqual([]);
  });
});
