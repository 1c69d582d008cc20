/**
 * InterPodAffinity as kube-scheduler 1.32: required affinity (all terms in the node's domain, the first pod of a
 * self-affine group, missing topology keys), required anti-affinity of the pod and of existing pods (symmetry),
 * namespaces, namespace selectors and matchLabelKeys; preferred terms of both sides scored and normalised between the
 * lowest and highest node; and the whole decision spreading replicas that repel each other.
 */
import { describe, expect, it } from 'vitest';
import type { PodAffinityTerm, PodSpec } from '../../../src/api/index.js';
import { NodeInfo } from '../../../src/components/scheduler/node-info.js';
import { mergePodAffinityLabelKeys } from '../../../src/apiserver/resources/pod-spec.js';
import { SKIP } from '../../../src/components/scheduler/plugin.js';
import { interPodAffinityFilter, interPodAffinityScore } from '../../../src/components/scheduler/plugins/inter-pod-affinity.js';
import { Snapshot } from '../../../src/components/scheduler/snapshot.js';
import { info, node, nodeInfo, pod, snapshot } from './fixtures.js';

const HOST = 'kubernetes.io/hostname';
const term = (labels: Record<string, string>, topologyKey = HOST, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({ labelSelector: { matchLabels: labels }, topologyKey, ...extra });
const affinity = (a: NonNullable<PodSpec['affinity']>): Partial<PodSpec> => ({ affinity: a });

const za1 = (pods: ReturnType<typeof pod>[] = []) => nodeInfo(node('a1', { labels: { zone: 'a' } }), pods);
const za2 = (pods: ReturnType<typeof pod>[] = []) => nodeInfo(node('a2', { labels: { zone: 'a' } }), pods);
const zb1 = (pods: ReturnType<typeof pod>[] = []) => nodeInfo(node('b1', { labels: { zone: 'b' } }), pods);

function filterAll(p: ReturnType<typeof pod>, nodes: NodeInfo[], snap: Snapshot = snapshot(...nodes)): (readonly string[] | undefined)[] {
  const pi = info(p);
  const state = interPodAffinityFilter.preFilter(pi, snap);
  return nodes.map((n) => interPodAffinityFilter.filter(state, pi, n));
}

function scoreAll(p: ReturnType<typeof pod>, nodes: NodeInfo[]): number[] | undefined {
  const pi = info(p);
  const state = interPodAffinityScore.preScore(pi, nodes, snapshot(...nodes));
  if (state === undefined) return undefined;
  const scores = nodes.map((n) => interPodAffinityScore.score(state, pi, n));
  interPodAffinityScore.normalize!(state, scores, nodes);
  return scores;
}

const AFF = "node(s) didn't match pod affinity rules";
const ANTI = "node(s) didn't match pod anti-affinity rules";
const EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules";

describe('InterPodAffinity filter', () => {
  it('required anti-affinity by hostname keeps replicas apart; by zone keeps them out of the zone', () => {
    const web = (name: string, at: string) => pod(name, { labels: { app: 'web' }, nodeName: at });
    const nodes = [za1([web('w1', 'a1')]), za2(), zb1()];
    const byHost = pod('p', { labels: { app: 'web' }, spec: affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } }) });
    expect(filterAll(byHost, nodes)).toEqual([[ANTI], undefined, undefined]);
    const byZone = pod('p', { labels: { app: 'web' }, spec: affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } }) });
    expect(filterAll(byZone, nodes)).toEqual([[ANTI], [ANTI], undefined]);
  });

  it('an existing pod\'s required anti-affinity repels a pod it selects (symmetry), from every node of its domain', () => {
    const guard = pod('g', { labels: { app: 'db' }, nodeName: 'a1', spec: affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } }) });
    const nodes = [za1([guard]), za2(), zb1()];
    expect(filterAll(pod('p', { labels: { app: 'web' } }), nodes)).toEqual([[EXISTING], [EXISTING], undefined]);
    expect(filterAll(pod('q', { labels: { app: 'cache' } }), nodes)).toEqual([undefined, undefined, undefined]);
    expect(filterAll(pod('r', { labels: { app: 'web' }, namespace: 'other' }), nodes)).toEqual([undefined, undefined, undefined]);
  });

  it('required affinity needs a pod matching all terms in the node\'s domain, and every topology key on the node', () => {
    const cache = pod('c1', { labels: { app: 'cache' }, nodeName: 'a1' });
    const nodes = [za1([cache]), za2(), zb1(), nodeInfo(node('x'))];
    const p = pod('p', { labels: { app: 'web' }, spec: affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'cache' }, 'zone')] } }) });
    expect(filterAll(p, nodes)).toEqual([undefined, undefined, [AFF], [AFF]]);
  });

  it('lets the first pod of a self-affine group go anywhere with the keys, but not once a match exists elsewhere', () => {
    const self = pod('p', { labels: { app: 'web' }, spec: affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } }) });
    expect(filterAll(self, [za1(), zb1(), nodeInfo(node('x'))])).toEqual([undefined, undefined, [AFF]]);
    expect(filterAll(self, [za1([pod('w1', { labels: { app: 'web' }, nodeName: 'a1' })]), zb1()])).toEqual([undefined, [AFF]]);
  });

  it('looks in the named namespaces, or those a namespace selector picks by their labels ({} for all)', () => {
    const other = pod('o1', { labels: { app: 'web' }, namespace: 'team-b', nodeName: 'a1' });
    const nodes = [za1([other]), zb1()];
    const named = pod('p', { spec: affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, HOST, { namespaces: ['team-b'] })] } }) });
    expect(filterAll(named, nodes)).toEqual([[ANTI], undefined]);
    const own = pod('p', { spec: affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } }) });
    expect(filterAll(own, nodes)).toEqual([undefined, undefined]);
    const all = pod('p', { spec: affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, HOST, { namespaceSelector: {} })] } }) });
    expect(filterAll(all, nodes)).toEqual([[ANTI], undefined]);
    const labelled = pod('p', { spec: affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, HOST, { namespaceSelector: { matchLabels: { team: 'b' } } })] } }) });
    const withLabels = new Snapshot(nodes, undefined, (ns) => (ns === 'team-b' ? { team: 'b' } : undefined));
    expect(filterAll(labelled, nodes, withLabels)).toEqual([[ANTI], undefined]);
    expect(filterAll(labelled, nodes)).toEqual([undefined, undefined]);
  });

  it('reads matchLabelKeys as the API server merged them at creation (In the pod\'s own value)', () => {
    const v1 = pod('w1', { labels: { app: 'web', rev: 'v1' }, nodeName: 'a1' });
    const nodes = [za1([v1]), zb1()];
    const p = (rev: string) => {
      const spec: Partial<PodSpec> = { containers: [], ...affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, HOST, { matchLabelKeys: ['rev'] })] } }) };
      mergePodAffinityLabelKeys(spec as PodSpec, { app: 'web', rev });
      return pod('p', { labels: { app: 'web', rev }, spec });
    };
    expect(filterAll(p('v1'), nodes)).toEqual([[ANTI], undefined]);
    expect(filterAll(p('v2'), nodes)).toEqual([undefined, undefined]);
  });

  it('makes a pod whose term does not parse unschedulable ("parsing pod")', () => {
    const bad = pod('p', { spec: affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'a', operator: 'Sometimes' as 'In' }] }, topologyKey: HOST }] } }) });
    expect(() => interPodAffinityFilter.preFilter(info(bad), snapshot(za1()))).toThrow(/^parsing pod: /);
  });

  it('skips pods without affinity when no existing pod has required anti-affinity', () => {
    expect(interPodAffinityFilter.preFilter(info(pod('p')), snapshot(za1([pod('w', { nodeName: 'a1' })])))).toBe(SKIP);
  });
});

describe('InterPodAffinity score', () => {
  it('prefers the domain of pods its preferred affinity selects and avoids those of preferred anti-affinity, normalised min..max', () => {
    const nodes = [za1([pod('c', { labels: { app: 'cache' }, nodeName: 'a1' })]), za2(), zb1([pod('n', { labels: { app: 'noisy' }, nodeName: 'b1' })])];
    const p = pod('p', {
      spec: affinity({
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term({ app: 'cache' }, 'zone') }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: 'noisy' }, 'zone') }] },
      }),
    });
    expect(scoreAll(p, nodes)).toEqual([100, 100, 0]);
  });

  it('counts existing pods\' preferred terms and (weight 1) required affinity terms the pod meets', () => {
    const friendly = pod('f', { nodeName: 'a1', spec: affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } }) });
    const shy = pod('s', { nodeName: 'b1', spec: affinity({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ app: 'web' }) }] } }) });
    const nodes = [za1([friendly]), za2(), zb1([shy])];
    expect(scoreAll(pod('p', { labels: { app: 'web' } }), nodes)).toEqual([100, 90, 0]);
    expect(scoreAll(pod('q', { labels: { app: 'other' } }), nodes)).toBeUndefined();
  });
});
