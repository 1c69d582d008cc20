import { describe, expect, it } from 'vitest';
import type { NodeSelectorTerm, PodSpec, Taint, TopologySpreadConstraint } from '../../../src/api/index.js';
import { balancedAllocationScore, nodeResourcesBalancedAllocation } from '../../../src/components/scheduler/plugins/balanced-allocation.js';
import { nodeAffinityFilter, nodeAffinityScore } from '../../../src/components/scheduler/plugins/node-affinity.js';
import { nodeName } from '../../../src/components/scheduler/plugins/node-name.js';
import { nodePorts } from '../../../src/components/scheduler/plugins/node-ports.js';
import { leastRequestedScore, nodeResourcesFit, nodeResourcesLeastAllocated } from '../../../src/components/scheduler/plugins/node-resources-fit.js';
import { nodeUnschedulable } from '../../../src/components/scheduler/plugins/node-unschedulable.js';
import { podTopologySpreadFilter, podTopologySpreadScore } from '../../../src/components/scheduler/plugins/pod-topology-spread.js';
import { taintTolerationFilter, taintTolerationScore, tolerationToleratesTaint } from '../../../src/components/scheduler/plugins/taint-toleration.js';
import { defaultNormalizeScore, type FilterPlugin } from '../../../src/components/scheduler/plugin.js';
import { podRequests } from '../../../src/components/scheduler/resources.js';
import { selectorFromSet, type DeepReadonly, type Pod, type ReplicaSet, type Service, type StatefulSet } from '../../../src/api/index.js';
import { defaultSpreadSelector } from '../../../src/components/scheduler/default-selector.js';
import { Snapshot } from '../../../src/components/scheduler/snapshot.js';
import { info, node, nodeInfo, pod, snapshot } from './fixtures.js';

function runFilter<S>(p: FilterPlugin<S>, podObj: ReturnType<typeof pod>, ni: ReturnType<typeof nodeInfo>): readonly string[] | undefined {
  const pi = info(podObj);
  return p.filter(p.preFilter(pi, snapshot(ni)), pi, ni);
}

describe('podRequests', () => {
  it.each([
    { name: 'sum of containers', spec: { containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '1Mi' } } }, { name: 'b', resources: { requests: { cpu: '200m' } } }] }, want: { milliCPU: 300, memory: 1048576 } },
    { name: 'init container larger', spec: { initContainers: [{ name: 'i', resources: { requests: { cpu: '1', memory: '1Gi' } } }], containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }] }, want: { milliCPU: 1000, memory: 1073741824 } },
    { name: 'plus overhead', spec: { overhead: { cpu: '50m', memory: '10' }, containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '90' } } }] }, want: { milliCPU: 150, memory: 100 } },
    { name: 'no requests', spec: { containers: [{ name: 'a' }] }, want: { milliCPU: 0, memory: 0 } },
  ] as { name: string; spec: PodSpec; want: object }[])('$name', ({ spec, want }) => {
    expect(podRequests(spec)).toEqual(want);
  });
  it('non-zero defaults for scoring', () => {
    expect(podRequests({ containers: [{ name: 'a' }, { name: 'b', resources: { requests: { cpu: '1' } } }] }, true)).toEqual({ milliCPU: 1100, memory: 2 * 200 * 1024 * 1024 });
  });
});

describe('NodeUnschedulable', () => {
  it.each([
    { name: 'schedulable node', unschedulable: false, tolerations: [], want: undefined },
    { name: 'cordoned node', unschedulable: true, tolerations: [], want: ['node(s) were unschedulable'] },
    { name: 'cordoned but tolerated', unschedulable: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' as const, effect: 'NoSchedule' as const }], want: undefined },
  ])('$name', ({ unschedulable, tolerations, want }) => {
    expect(runFilter(nodeUnschedulable, pod('p', { spec: { tolerations } }), nodeInfo(node('n', { unschedulable })))).toEqual(want);
  });
});

describe('NodeName', () => {
  it.each([
    { name: 'no nodeName', nodeName: undefined, want: undefined },
    { name: 'matching', nodeName: 'n', want: undefined },
    { name: 'other node', nodeName: 'm', want: ["node(s) didn't match the requested node name"] },
  ])('$name', ({ nodeName: nn, want }) => {
    expect(runFilter(nodeName, pod('p', nn === undefined ? {} : { nodeName: nn }), nodeInfo(node('n')))).toEqual(want);
  });
});

describe('NodeResourcesFit', () => {
  const full = nodeInfo(node('n', { cpu: '1', memory: '1Gi', pods: '2' }), [pod('a', { cpu: '600m', memory: '512Mi', nodeName: 'n' })]);
  it.each([
    { name: 'fits', p: pod('p', { cpu: '400m', memory: '512Mi' }), want: undefined },
    { name: 'cpu short', p: pod('p', { cpu: '401m' }), want: ['Insufficient cpu'] },
    { name: 'memory short', p: pod('p', { memory: '513Mi' }), want: ['Insufficient memory'] },
    { name: 'both short', p: pod('p', { cpu: '2', memory: '2Gi' }), want: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'best effort fits anywhere with pod room', p: pod('p'), want: undefined },
  ])('$name', ({ p, want }) => {
    expect(runFilter(nodeResourcesFit, p, full)).toEqual(want);
  });
  it('too many pods', () => {
    const ni = nodeInfo(node('n', { pods: '1' }), [pod('a', { nodeName: 'n' })]);
    expect(runFilter(nodeResourcesFit, pod('p'), ni)).toEqual(['Too many pods']);
  });
  it.each([
    { requested: 0, capacity: 100, want: 100 },
    { requested: 25, capacity: 100, want: 75 },
    { requested: 101, capacity: 100, want: 0 },
    { requested: 0, capacity: 0, want: 0 },
    { requested: 1, capacity: 3, want: 66 },
  ])('leastRequestedScore($requested, $capacity) = $want', ({ requested, capacity, want }) => {
    expect(leastRequestedScore(requested, capacity)).toBe(want);
  });
  it('least allocated averages cpu and memory with non-zero requests', () => {
    const ni = nodeInfo(node('n', { cpu: '1', memory: '1000Mi' }));
    // best-effort pod counts as 100m and 200Mi: cpu 90, memory 80
    const p = info(pod('p'));
    expect(nodeResourcesLeastAllocated.score(null, p, ni)).toBe(85);
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  it.each([
    { fractions: [0.5, 0.5], want: 100 },
    { fractions: [0, 1], want: 50 },
    { fractions: [0.2, 0.6], want: 80 },
    { fractions: [], want: 100 },
  ])('balancedAllocationScore($fractions) = $want', ({ fractions, want }) => {
    expect(balancedAllocationScore(fractions)).toBe(want);
  });
  it('skips best-effort pods', () => {
    expect(nodeResourcesBalancedAllocation.preScore(info(pod('p')), [], snapshot())).toBeUndefined();
  });
  it('scores requested fractions with the pod', () => {
    const ni = nodeInfo(node('n', { cpu: '1', memory: '1Gi' }));
    expect(nodeResourcesBalancedAllocation.score(null, info(pod('p', { cpu: '500m', memory: '256Mi' })), ni)).toBe(87); // |0.5-0.25|/2 = 0.125
  });
});

describe('NodeAffinity', () => {
  const n = node('n1', { labels: { zone: 'a', gen: '5', disk: 'ssd' } });
  const term = (t: NodeSelectorTerm) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [t] } } } });
  const NO = ["node(s) didn't match Pod's node affinity/selector"];
  it.each([
    { name: 'no constraints', spec: {}, want: undefined },
    { name: 'nodeSelector matches', spec: { nodeSelector: { zone: 'a' } }, want: undefined },
    { name: 'nodeSelector mismatches', spec: { nodeSelector: { zone: 'b' } }, want: NO },
    { name: 'In', spec: term({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }), want: undefined },
    { name: 'NotIn', spec: term({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), want: NO },
    { name: 'Exists', spec: term({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }), want: undefined },
    { name: 'DoesNotExist', spec: term({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }), want: NO },
    { name: 'Gt', spec: term({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }), want: undefined },
    { name: 'Lt', spec: term({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['5'] }] }), want: NO },
    { name: 'matchFields metadata.name In', spec: term({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }), want: undefined },
    { name: 'matchFields metadata.name other', spec: term({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }), want: NO },
    { name: 'empty term matches nothing', spec: term({}), want: NO },
    {
      name: 'terms are ORed',
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['b'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In' as const, values: ['ssd'] }] }] } } } },
      want: undefined,
    },
    { name: 'selector AND affinity', spec: { nodeSelector: { zone: 'b' }, ...term({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }) }, want: NO },
  ])('$name', ({ spec, want }) => {
    expect(runFilter(nodeAffinityFilter, pod('p', { spec }), nodeInfo(n))).toEqual(want);
  });
  it('preferred terms score by weight, normalised to 100', () => {
    const p = info(
      pod('p', {
        spec: {
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
                { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
              ],
            },
          },
        },
      }),
    );
    const nodes = [nodeInfo(node('a', { labels: { zone: 'a' } })), nodeInfo(node('b', { labels: { zone: 'a', disk: 'ssd' } })), nodeInfo(node('c'))];
    const state = nodeAffinityScore.preScore(p, nodes, snapshot(...nodes))!;
    const scores = nodes.map((ni) => nodeAffinityScore.score(state, p, ni));
    expect(scores).toEqual([10, 40, 0]);
    nodeAffinityScore.normalize!(state, scores, nodes);
    expect(scores).toEqual([25, 100, 0]);
  });
});

describe('TaintToleration', () => {
  const taint = (key: string, effect: Taint['effect'], value?: string): Taint => ({ key, effect, ...(value === undefined ? {} : { value }) });
  it.each([
    { name: 'Equal matches', t: { key: 'k', value: 'v' }, taint: taint('k', 'NoSchedule', 'v'), want: true },
    { name: 'Equal wrong value', t: { key: 'k', value: 'x' }, taint: taint('k', 'NoSchedule', 'v'), want: false },
    { name: 'Exists any value', t: { key: 'k', operator: 'Exists' as const }, taint: taint('k', 'NoSchedule', 'v'), want: true },
    { name: 'empty key Exists tolerates all', t: { operator: 'Exists' as const }, taint: taint('k', 'NoExecute'), want: true },
    { name: 'effect must match', t: { key: 'k', operator: 'Exists' as const, effect: 'NoExecute' as const }, taint: taint('k', 'NoSchedule'), want: false },
  ])('toleration: $name', ({ t, taint: tt, want }) => {
    expect(tolerationToleratesTaint(t, tt)).toBe(want);
  });
  it.each([
    { name: 'untainted', taints: [], tolerations: [], want: undefined },
    { name: 'NoSchedule untolerated', taints: [taint('dedicated', 'NoSchedule', 'gpu')], tolerations: [], want: ['node(s) had untolerated taint {dedicated: gpu}'] },
    { name: 'NoExecute untolerated', taints: [taint('node.kubernetes.io/unreachable', 'NoExecute')], tolerations: [], want: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'] },
    { name: 'PreferNoSchedule does not filter', taints: [taint('x', 'PreferNoSchedule')], tolerations: [], want: undefined },
    { name: 'tolerated', taints: [taint('dedicated', 'NoSchedule', 'gpu')], tolerations: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const }], want: undefined },
  ])('filter: $name', ({ taints, tolerations, want }) => {
    expect(runFilter(taintTolerationFilter, pod('p', { spec: { tolerations } }), nodeInfo(node('n', { taints })))).toEqual(want);
  });
  it('score counts untolerated PreferNoSchedule taints, reversed', () => {
    const nodes = [nodeInfo(node('a')), nodeInfo(node('b', { taints: [taint('x', 'PreferNoSchedule')] })), nodeInfo(node('c', { taints: [taint('x', 'PreferNoSchedule'), taint('y', 'PreferNoSchedule')] }))];
    const p = info(pod('p', { spec: { tolerations: [{ key: 'y', operator: 'Exists', effect: 'PreferNoSchedule' }] } }));
    const s = taintTolerationScore.preScore(p, nodes, snapshot(...nodes))!;
    const scores = nodes.map((ni) => taintTolerationScore.score(s, p, ni));
    expect(scores).toEqual([0, 1, 1]);
    taintTolerationScore.normalize!(s, scores, nodes);
    expect(scores).toEqual([100, 0, 0]);
  });
});

describe('NodePorts', () => {
  const withPort = (name: string, hostPort: number, hostIP?: string, protocol?: 'TCP' | 'UDP') =>
    pod(name, { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort, ...(hostIP === undefined ? {} : { hostIP }), ...(protocol === undefined ? {} : { protocol }) }] }] } });
  const used = nodeInfo(node('n'), [withPort('a', 8080, '10.0.0.1')]);
  it.each([
    { name: 'no host ports', p: pod('p'), want: undefined },
    { name: 'same port, 0.0.0.0', p: withPort('p', 8080), want: ["node(s) didn't have free ports for the requested pod ports"] },
    { name: 'same port, same IP', p: withPort('p', 8080, '10.0.0.1'), want: ["node(s) didn't have free ports for the requested pod ports"] },
    { name: 'same port, other IP', p: withPort('p', 8080, '10.0.0.2'), want: undefined },
    { name: 'same port, other protocol', p: withPort('p', 8080, undefined, 'UDP'), want: undefined },
    { name: 'other port', p: withPort('p', 8081), want: undefined },
  ])('$name', ({ p, want }) => {
    expect(runFilter(nodePorts, p, used)).toEqual(want);
  });
});

describe('PodTopologySpread', () => {
  const spread = (whenUnsatisfiable: TopologySpreadConstraint['whenUnsatisfiable'], maxSkew = 1, topologyKey = 'zone'): Partial<Parameters<typeof pod>[1] & object> => ({
    labels: { app: 'web' },
    spec: { topologySpreadConstraints: [{ maxSkew, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: { app: 'web' } } }] },
  });
  const web = (name: string, nodeName: string) => pod(name, { labels: { app: 'web' }, nodeName });
  const za1 = nodeInfo(node('a1', { labels: { zone: 'a' } }), [web('w1', 'a1'), web('w2', 'a1')]);
  const zb1 = nodeInfo(node('b1', { labels: { zone: 'b' } }), [web('w3', 'b1')]);
  const zc1 = nodeInfo(node('c1', { labels: { zone: 'c' } }));
  const nolabel = nodeInfo(node('x'));

  function filterAll(p: ReturnType<typeof pod>, nodes: ReturnType<typeof nodeInfo>[]) {
    const pi = info(p);
    const snap = snapshot(...nodes);
    const state = podTopologySpreadFilter.preFilter(pi, snap);
    return nodes.map((n) => podTopologySpreadFilter.filter(state, pi, n));
  }

  it('DoNotSchedule: only the emptiest domains stay within maxSkew 1', () => {
    expect(filterAll(pod('p', spread('DoNotSchedule')), [za1, zb1, zc1, nolabel])).toEqual([
      ["node(s) didn't match pod topology spread constraints"],
      ["node(s) didn't match pod topology spread constraints"],
      undefined,
      ["node(s) didn't match pod topology spread constraints (missing required label)"],
    ]);
  });
  it('DoNotSchedule: maxSkew 2 admits the middle domain', () => {
    expect(filterAll(pod('p', spread('DoNotSchedule', 2)), [za1, zb1, zc1])).toEqual([["node(s) didn't match pod topology spread constraints"], undefined, undefined]);
  });
  it('pods in other namespaces and non-matching pods do not count', () => {
    const other = nodeInfo(node('c1', { labels: { zone: 'c' } }), [pod('o1', { labels: { app: 'web' }, namespace: 'other', nodeName: 'c1' }), pod('o2', { labels: { app: 'db' }, nodeName: 'c1' })]);
    expect(filterAll(pod('p', spread('DoNotSchedule')), [za1, zb1, other])[2]).toBeUndefined();
  });
  it('no constraints: every node passes', () => {
    expect(filterAll(pod('p'), [za1, nolabel])).toEqual([undefined, undefined]);
  });
  it('ScheduleAnyway scores the emptier domains higher; nodes without the key get 0', () => {
    const p = info(pod('p', spread('ScheduleAnyway')));
    const nodes = [za1, zb1, zc1, nolabel];
    const s = podTopologySpreadScore.preScore(p, nodes, snapshot(...nodes))!;
    const scores = nodes.map((n) => podTopologySpreadScore.score(s, p, n));
    podTopologySpreadScore.normalize!(s, scores, nodes);
    expect(scores[2]).toBe(100);
    expect(scores[0]!).toBeLessThan(scores[1]!);
    expect(scores[1]!).toBeLessThan(scores[2]!);
    expect(scores[3]).toBe(0);
  });
  it('without constraints of its own a pod is spread by the system defaults among the pods its default selector picks', () => {
    const web = (name: string, nodeName: string) => pod(name, { labels: { app: 'web' }, nodeName });
    // Only web pods of the pod's namespace count: a db pod and a web pod elsewhere on a2 change nothing.
    const elsewhere = [pod('db', { labels: { app: 'db' }, nodeName: 'a2' }), pod('other-ns', { labels: { app: 'web' }, namespace: 'other', nodeName: 'a2' })];
    const nodes = [
      nodeInfo(node('a1', { labels: { 'topology.kubernetes.io/zone': 'a' } }), [web('w1', 'a1'), web('w2', 'a1')]),
      nodeInfo(node('a2', { labels: { 'topology.kubernetes.io/zone': 'a' } }), elsewhere),
      nodeInfo(node('b1', { labels: { 'topology.kubernetes.io/zone': 'b' } })),
      nodeInfo(node('nz')),
    ];
    const p = info(pod('p', { labels: { app: 'web' } }));
    const s = podTopologySpreadScore.preScore(p, nodes, new Snapshot(nodes, undefined, undefined, undefined, () => selectorFromSet({ app: 'web' })))!;
    const scores = nodes.map((n) => podTopologySpreadScore.score(s, p, n));
    // kube's arithmetic: host count × ln(4 + 2) + 2, plus zone count × ln(3 + 2) + 4 where the node has a zone (the
    // zone-less node is a domain of its own, "", but adds no zone term): 13, 9, 6, 2 — normalised.
    expect(scores).toEqual([13, 9, 6, 2]);
    podTopologySpreadScore.normalize!(s, scores, nodes);
    expect(scores).toEqual([15, 46, 69, 100]);
    // No Service or controller picks its peers (an empty selector): nothing to spread by.
    expect(podTopologySpreadScore.preScore(p, nodes, new Snapshot(nodes, undefined, undefined, undefined, () => selectorFromSet({})))).toBeUndefined();
    // A pod with constraints of its own, even DoNotSchedule ones only, gets no defaults: nothing to score by.
    const own = info(pod('q', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] } }));
    expect(podTopologySpreadScore.preScore(own, nodes, new Snapshot(nodes, undefined, undefined, undefined, () => selectorFromSet({ app: 'web' })))).toBeUndefined();
  });
});

describe('defaultSpreadSelector', () => {
  const svc = (name: string, selector: Record<string, string> | undefined): DeepReadonly<Service> => ({ metadata: { name, namespace: 'default' }, spec: selector === undefined ? {} : { selector } });
  const rs: DeepReadonly<ReplicaSet> = { metadata: { name: 'web-1', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }, template: {} } };
  const sts: DeepReadonly<StatefulSet> = { metadata: { name: 'db', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } }, serviceName: 'db', template: {} } };
  const sources = (services: DeepReadonly<Service>[]) => ({
    services: () => services,
    replicaSet: (_ns: string, name: string) => (name === 'web-1' ? rs : undefined),
    statefulSet: (_ns: string, name: string) => (name === 'db' ? sts : undefined),
  });
  const labelled = pod('p', { labels: { app: 'web', tier: 'front', v: '2' } });
  it('merges the selectors of the Services that select the pod, and adds its ReplicaSet\'s', () => {
    const p = { ...labelled, metadata: { ...labelled.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true }] } } as DeepReadonly<Pod>;
    const sel = defaultSpreadSelector(p, sources([svc('front', { app: 'web' }), svc('other', { app: 'db' }), svc('headless', undefined), svc('v2', { v: '2' })]));
    // The ReplicaSet's requirements are added to the Services' as kube's Selector.Add does, repeats and all.
    expect(sel.toString()).toBe('app=web,app=web,tier in (front),v=2');
    expect(defaultSpreadSelector(pod('lonely', { labels: { app: 'x' } }), sources([])).empty()).toBe(true);
    const owned = (kind: string, name: string, apiVersion = 'apps/v1'): DeepReadonly<Pod> => ({ ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion, kind, name, uid: 'u', controller: true }] } }) as DeepReadonly<Pod>;
    expect(defaultSpreadSelector(owned('Job', 'web-1', 'batch/v1'), sources([])).empty()).toBe(true);
    expect(defaultSpreadSelector(owned('StatefulSet', 'db'), sources([])).toString()).toBe('app=db');
    // A controller the informer does not hold adds nothing.
    expect(defaultSpreadSelector(owned('ReplicaSet', 'gone'), sources([])).empty()).toBe(true);
  });
});

describe('defaultNormalizeScore', () => {
  it.each([
    { scores: [0, 5, 10], reverse: false, want: [0, 50, 100] },
    { scores: [0, 5, 10], reverse: true, want: [100, 50, 0] },
    { scores: [0, 0], reverse: false, want: [0, 0] },
    { scores: [0, 0], reverse: true, want: [100, 100] },
  ])('$scores reverse=$reverse', ({ scores, reverse, want }) => {
    const s = [...scores];
    defaultNormalizeScore(100, reverse, s);
    expect(s).toEqual(want);
  });
});
