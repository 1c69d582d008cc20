/**
 * DefaultPreemption as a pure function (preemption.ts), table by table against kube-scheduler 1.32's rules:
 * eligibility, the fewest victims found by reprieving the most important pods, disruption budgets spent in order,
 * the choice among candidate nodes, kube's messages when preemption cannot help, and nominated pods keeping the
 * room they were given.
 */
import { describe, expect, it } from 'vitest';
import { deepFreeze, type DeepReadonly, type Pod, type PodDisruptionBudget } from '../../../src/api/index.js';
import { DEFAULT_PROFILE } from '../../../src/components/scheduler/default-profile.js';
import { Nominator } from '../../../src/components/scheduler/nominator.js';
import { pickOneNode, preempt, selectVictimsOnNode, splitByBudgets, type PreemptionOptions } from '../../../src/components/scheduler/preemption.js';
import { schedulePod, type ScheduleResult } from '../../../src/components/scheduler/schedule-pod.js';
import type { Snapshot } from '../../../src/components/scheduler/snapshot.js';
import { SeededRandom } from '../../../src/util/random.js';
import { info, node, nodeInfo, pod, snapshot } from './fixtures.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

function opts(extra: Partial<PreemptionOptions> = {}): PreemptionOptions {
  return { profile: DEFAULT_PROFILE, random: new SeededRandom(1), now: NOW, budgets: [], ...extra };
}

/** unschedulable schedules p on s and returns the failure (the test expects one). */
function unschedulable(p: DeepReadonly<Pod>, s: Snapshot, nominator?: Nominator): Extract<ScheduleResult, { kind: 'unschedulable' }> {
  const r = schedulePod(info(p), s, { profile: DEFAULT_PROFILE, random: new SeededRandom(1), ...(nominator === undefined ? {} : { nominatedPods: (n: string) => nominator.podsOn(n) }) });
  if (r.kind !== 'unschedulable') throw new Error(`expected ${p.metadata.name} not to fit, it went to ${r.nodeName}`);
  return r;
}

function running(name: string, o: Parameters<typeof pod>[1] & { startTime?: string } = {}): DeepReadonly<Pod> {
  const p = pod(name, o) as Pod;
  return deepFreeze<Pod>({ ...p, status: { phase: 'Running', ...(o.startTime === undefined ? {} : { startTime: o.startTime }) } });
}

function budget(name: string, labels: Record<string, string>, disruptionsAllowed: number, disruptedPods: Record<string, string> = {}): DeepReadonly<PodDisruptionBudget> {
  return deepFreeze<PodDisruptionBudget>({
    metadata: { name, namespace: 'default' },
    spec: { selector: { matchLabels: labels } },
    status: { disruptionsAllowed, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptedPods },
  });
}

describe('selectVictimsOnNode', () => {
  it('evicts the fewest lower-priority pods, giving back the most important first', () => {
    // 4 cpu, full: a 2-cpu pod of priority 10 needs 2 free; priorities 1, 5, 3 with 1 cpu each, plus one of its own.
    const n = nodeInfo(node('n1'), [running('low', { cpu: '1', priority: 1, nodeName: 'n1' }), running('high', { cpu: '1', priority: 5, nodeName: 'n1' }), running('mid', { cpu: '1', priority: 3, nodeName: 'n1' }), running('peer', { cpu: '1', priority: 10, nodeName: 'n1' })]);
    const s = snapshot(n);
    const r = selectVictimsOnNode(info(pod('big', { cpu: '2', priority: 10 })), n, s, opts());
    // 'peer' (equal priority) stays; of the rest only one can be given back: the most important, 'high'.
    expect('victims' in r && r.victims.map((v) => v.pod.metadata.name)).toEqual(['mid', 'low']);
  });

  it('says why when no pod is lower or evicting them all does not help', () => {
    const n = nodeInfo(node('n1', { cpu: '2' }), [running('same', { cpu: '1', priority: 10, nodeName: 'n1' })]);
    expect(selectVictimsOnNode(info(pod('p', { cpu: '2', priority: 10 })), n, snapshot(n), opts())).toEqual({ reasons: ['No preemption victims found for incoming pod'] });
    const small = nodeInfo(node('n2', { cpu: '1' }), [running('low', { cpu: '1', priority: 0, nodeName: 'n2' })]);
    expect(selectVictimsOnNode(info(pod('p', { cpu: '2', priority: 10 })), small, snapshot(small), opts())).toEqual({ reasons: ['Insufficient cpu'] });
  });

  it('gives back budget-protected pods first, and counts those it must still evict', () => {
    // Without budgets the more important web pod (priority 2) would be given back and the db pod evicted.
    const pods = [running('web', { cpu: '2', priority: 2, labels: { app: 'web' }, nodeName: 'n1' }), running('db', { cpu: '2', priority: 1, labels: { app: 'db' }, nodeName: 'n1' })];
    const n = nodeInfo(node('n1'), pods);
    expect(selectVictimsOnNode(info(pod('o', { cpu: '2', priority: 10 })), n, snapshot(n), opts())).toMatchObject({ victims: [{ key: 'default/db' }] });
    // The db budget allows nothing: its pod is given back first and the web pod goes instead.
    const r = selectVictimsOnNode(info(pod('p', { cpu: '2', priority: 10 })), n, snapshot(n), opts({ budgets: [budget('db', { app: 'db' }, 0)] }));
    expect(r).toMatchObject({ numPDBViolations: 0 });
    expect('victims' in r && r.victims.map((v) => v.pod.metadata.name)).toEqual(['web']);
    // Needing both, one eviction breaks the budget.
    const both = selectVictimsOnNode(info(pod('q', { cpu: '4', priority: 10 })), n, snapshot(n), opts({ budgets: [budget('db', { app: 'db' }, 0)] }));
    expect(both).toMatchObject({ numPDBViolations: 1 });
  });
});

describe('splitByBudgets', () => {
  it('spends each budget in order, skips pods it already counts as disrupted, and never matches unlabelled pods', () => {
    const pods = ['w1', 'w2', 'w3'].map((n) => info(running(n, { labels: { app: 'web' } })));
    const { violating, nonViolating } = splitByBudgets(pods, [budget('web', { app: 'web' }, 1, { w1: '2026-01-10T11:00:00Z' })]);
    expect(nonViolating.map((p) => p.pod.metadata.name)).toEqual(['w1', 'w2']);
    expect(violating.map((p) => p.pod.metadata.name)).toEqual(['w3']);
    // A selector that an unlabelled pod would satisfy still does not pick it (kube skips pods without labels).
    const notDb = deepFreeze<PodDisruptionBudget>({
      metadata: { name: 'not-db', namespace: 'default' },
      spec: { selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] } },
      status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    });
    expect(splitByBudgets([info(running('bare'))], [notDb]).violating).toEqual([]);
    expect(splitByBudgets([info(running('labelled', { labels: { app: 'web' } }))], [notDb]).violating.map((p) => p.pod.metadata.name)).toEqual(['labelled']);
  });
});

describe('pickOneNode', () => {
  const c = (nodeName: string, victims: DeepReadonly<Pod>[], numPDBViolations = 0) => ({ nodeName, victims: victims.map(info), numPDBViolations });
  it('prefers fewer budget violations, then the lowest top priority, the smallest sum, fewer victims, the latest start', () => {
    expect(pickOneNode([c('a', [pod('x', { priority: 1 })], 1), c('b', [pod('y', { priority: 9 })])], NOW).nodeName).toBe('b');
    expect(pickOneNode([c('a', [pod('x', { priority: 5 })]), c('b', [pod('y', { priority: 3 }), pod('z', { priority: 3 })])], NOW).nodeName).toBe('b');
    expect(pickOneNode([c('a', [pod('x', { priority: 3 }), pod('w', { priority: 2 })]), c('b', [pod('y', { priority: 3 }), pod('z', { priority: 1 })])], NOW).nodeName).toBe('b');
    expect(pickOneNode([c('a', [pod('x', { priority: 3 }), pod('w', { priority: -5 })]), c('b', [pod('y', { priority: 3 })])], NOW).nodeName).toBe('b');
    expect(pickOneNode([c('a', [running('x', { priority: 3, startTime: '2026-01-10T10:00:00Z' })]), c('b', [running('y', { priority: 3, startTime: '2026-01-10T11:00:00Z' })])], NOW).nodeName).toBe('b');
  });
});

describe('preempt', () => {
  it('preempts on the node that costs least, naming the victims', () => {
    const s = snapshot(
      nodeInfo(node('n1', { cpu: '2' }), [running('a', { cpu: '2', priority: 5, nodeName: 'n1' })]),
      nodeInfo(node('n2', { cpu: '2' }), [running('b', { cpu: '2', priority: 1, nodeName: 'n2' })]),
    );
    const p = pod('urgent', { cpu: '2', priority: 100 });
    const r = preempt(info(p), s, unschedulable(p, s).rejections, opts());
    expect(r).toMatchObject({ kind: 'preempt', nodeName: 'n2', numPDBViolations: 0 });
    expect(r.kind === 'preempt' && r.victims.map((v) => v.pod.metadata.name)).toEqual(['b']);
  });

  it('refuses with kube\'s words: preemptionPolicy Never, a victim still terminating on the nominated node', () => {
    const s = snapshot(nodeInfo(node('n1', { cpu: '1' }), [running('a', { cpu: '1', priority: 0, nodeName: 'n1' })]));
    const never = pod('polite', { cpu: '1', priority: 100, spec: { preemptionPolicy: 'Never' } });
    expect(preempt(info(never), s, unschedulable(never, s).rejections, opts())).toEqual({ kind: 'fail', message: 'not eligible due to preemptionPolicy=Never.', clearNomination: false });

    const going = deepFreeze<Pod>({
      ...(running('victim', { cpu: '1', priority: 0, nodeName: 'n1' }) as Pod),
      metadata: { name: 'victim', namespace: 'default', uid: 'uid-victim', deletionTimestamp: '2026-01-10T12:00:00Z' },
      status: { phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' }] },
    });
    const s2 = snapshot(nodeInfo(node('n1', { cpu: '1' }), [going]));
    const p = pod('urgent', { cpu: '1', priority: 100 });
    expect(preempt(info(p), s2, unschedulable(p, s2).rejections, opts({ nominatedNodeName: 'n1' }))).toEqual({ kind: 'fail', message: 'not eligible due to a terminating pod on the nominated node.', clearNomination: false });
    // A victim whose eviction was sent but is not seen yet counts as going too: no second preemption for the pod.
    const sent = opts({ nominatedNodeName: 'n1', beingPreempted: (v) => v.pod.metadata.name === 'a' });
    expect(preempt(info(p), s, unschedulable(p, s).rejections, sent)).toMatchObject({ kind: 'fail', message: 'not eligible due to a terminating pod on the nominated node.' });
    expect(preempt(info(p), s, unschedulable(p, s).rejections, opts({ nominatedNodeName: 'n1' }))).toMatchObject({ kind: 'preempt', nodeName: 'n1' });
  });

  it('computes a what-if\'s spreading again: evicting the pods that break the pod\'s own constraint makes it fit', () => {
    const zone = (z: string) => ({ labels: { 'topology.kubernetes.io/zone': z } });
    const low = (name: string, nodeName: string) => running(name, { cpu: '100m', priority: 0, labels: { app: 'web' }, nodeName });
    // Zone a holds two web pods and zone b none: a web pod with maxSkew 1 DoNotSchedule must go to b, which is full.
    const s = snapshot(
      nodeInfo(node('a1', { cpu: '4', ...zone('a') }), [low('w1', 'a1'), low('w2', 'a1')]),
      nodeInfo(node('b1', { cpu: '1', ...zone('b') }), [running('filler', { cpu: '1', priority: 100, nodeName: 'b1' })]),
    );
    const p = pod('spread', {
      cpu: '100m',
      priority: 10,
      labels: { app: 'web' },
      spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] },
    });
    const r = preempt(info(p), s, unschedulable(p, s).rejections, opts());
    // b1's filler outranks the pod. On a1 the skew is 2 + 1 − 0 = 3: only with both web pods gone (in the what-if's
    // own spreading state) is it 0 + 1 − 0 = 1; giving either back makes it 2 again. Both are victims.
    expect(r).toMatchObject({ kind: 'preempt', nodeName: 'a1' });
    expect(r.kind === 'preempt' && r.victims.map((v) => v.pod.metadata.name).sort()).toEqual(['w1', 'w2']);
  });

  it('says why no node helps, counting the nodes where preemption was not tried', () => {
    const s = snapshot(
      nodeInfo(node('n1', { cpu: '1' }), [running('peer', { cpu: '1', priority: 100, nodeName: 'n1' })]),
      nodeInfo(node('n2', { cpu: '4', unschedulable: true })),
      nodeInfo(node('n3', { cpu: '1' }), [running('low', { cpu: '1', priority: 0, nodeName: 'n3' })]),
    );
    const p = pod('huge', { cpu: '2', priority: 100 });
    const failed = unschedulable(p, s);
    expect(failed.error.message).toBe('0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.');
    expect(preempt(info(p), s, failed.rejections, opts())).toEqual({
      kind: 'fail',
      message: '0/3 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
      clearNomination: true,
    });
  });

  it('keeps the room a preemption freed for the nominated pod: lower pods do not fit there, the nominee does', () => {
    const s = snapshot(nodeInfo(node('n1', { cpu: '2' }), [running('a', { cpu: '1', priority: 0, nodeName: 'n1' })]));
    const nominator = new Nominator();
    const nominee = pod('nominee', { cpu: '1', priority: 100 });
    nominator.nominate(info(nominee), 'n1');
    const latecomer = pod('latecomer', { cpu: '1', priority: 50 });
    expect(unschedulable(latecomer, s, nominator).error.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');
    const r = schedulePod(info(nominee), s, { profile: DEFAULT_PROFILE, random: new SeededRandom(1), nominatedPods: (n) => nominator.podsOn(n), nominatedNodeName: 'n1' });
    expect(r).toMatchObject({ kind: 'scheduled', nodeName: 'n1' });
    // A pod of higher priority than the nominee is not held back by it.
    const vip = pod('vip', { cpu: '1', priority: 1000 });
    expect(schedulePod(info(vip), s, { profile: DEFAULT_PROFILE, random: new SeededRandom(1), nominatedPods: (n) => nominator.podsOn(n) })).toMatchObject({ kind: 'scheduled', nodeName: 'n1' });
  });
});
