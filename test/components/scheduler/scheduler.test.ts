/**
 * `capstan scheduler` against a real store and API server, two replicas with short leader-election timings
 * (lease 3 s, renew deadline 2 s, retry 500 ms): pods are bound to Nodes created through the API; a pod that
 * fits nowhere gets a FailedScheduling Event and PodScheduled=False, and is bound once a node that fits
 * appears; kill -9 of the active replica hands the Lease to the standby within leaseDuration + retryPeriod
 * and pending pods are scheduled; SIGTERM of the active hands over within about one retryPeriod. At the end
 * the replicas' logs show that every bind was journaled inside its replica's leading interval, that the
 * intervals never overlap, and no pod was bound twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from '../../../src/api/coordination-v1.js';
import type { Event, Node, Pod } from '../../../src/api/index.js';
import { EVENTS, LEASES, NODES, PODS } from '../../../src/components/client/resource.js';
import { RestClient } from '../../../src/components/client/rest-client.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';
import { makeTestDir, type TestDir } from '../../lb/processes.js';
import { parseSchedulerLog, startScheduler, type SchedulerProcess, type Term } from './scheduler-process.js';

const store = useStore({ name: 'scheduler' });
const api = useApiServer(store);

const LEASE_MS = 3000;
const RETRY_MS = 500;
const FLAGS = ['--leader-elect-lease-duration=3s', '--leader-elect-renew-deadline=2s', '--leader-elect-retry-period=500ms', '--pod-initial-backoff=200ms', '--pod-max-backoff=1s'];
const NS = 'default';

function nodeObj(name: string, cpu: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { capacity: { cpu, memory: '8Gi', pods: '110' }, allocatable: { cpu, memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function podObj(name: string, cpu: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu } } }] } };
}

describe('capstan scheduler (two replicas)', () => {
  let dir: TestDir;
  let client: RestClient;
  const replicas = new Map<string, SchedulerProcess>();
  const killedAt = new Map<string, number[]>();

  beforeAll(async () => {
    dir = makeTestDir('scheduler');
    client = new RestClient({ config: { server: api().url } });
    await client.create(NODES, undefined, nodeObj('node-a', '2'));
    await client.create(NODES, undefined, nodeObj('node-b', '2'));
    const [a, b] = await Promise.all([startScheduler(dir.path, api().url, 'sched-a', FLAGS), startScheduler(dir.path, api().url, 'sched-b', FLAGS)]);
    replicas.set('sched-a', a!);
    replicas.set('sched-b', b!);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...replicas.values()].map((r) => r.proc.stop()));
    client?.close();
    dir?.dispose();
  });

  const holder = async (): Promise<string> => (await client.get<Lease>(LEASES, 'kube-system', 'kube-scheduler')).spec?.holderIdentity ?? '';
  const leaderz = async (r: SchedulerProcess): Promise<boolean> => ((await (await fetch(`${r.healthUrl}/leaderz`)).json()) as { leading: boolean }).leading;
  const nodeOf = async (name: string): Promise<string | undefined> => {
    const p = await client.get<Pod>(PODS, NS, name);
    return p.spec?.nodeName === undefined || p.spec.nodeName === '' ? undefined : p.spec.nodeName;
  };
  const waitBound = (names: readonly string[], timeoutMs: number) =>
    waitFor(
      async () => {
        const nodes = await Promise.all(names.map(nodeOf));
        return nodes.every((n) => n !== undefined) ? (nodes as string[]) : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `pods ${names.join(', ')} bound` },
    );
  const currentLeader = async (): Promise<SchedulerProcess> => {
    const id = await waitFor(async () => {
      const h = await holder();
      const r = replicas.get(h);
      return r !== undefined && r.proc.running && (await leaderz(r)) ? h : undefined;
    }, { timeoutMs: 15_000, what: 'a leading scheduler' });
    return replicas.get(id)!;
  };

  it('binds pods to nodes created through the API', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `small-${i}`);
    await Promise.all(names.map((n) => client.create(PODS, NS, podObj(n, '100m'))));
    const nodes = await waitBound(names, 20_000);
    expect(new Set(nodes).size).toBe(2); // least-allocated spreads them
    const p = await client.get<Pod>(PODS, NS, 'small-0');
    expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    const ev = await waitFor(async () => (await client.list<Event>(EVENTS, NS, { fieldSelector: 'involvedObject.name=small-0,reason=Scheduled' })).items[0], { timeoutMs: 10_000, what: 'a Scheduled event' });
    expect(ev.message).toBe(`Successfully assigned default/small-0 to ${p.spec!.nodeName!}`);
    expect(ev.source?.component).toBe('default-scheduler');
  }, 60_000);

  it('an unschedulable pod gets FailedScheduling and PodScheduled=False, and is bound once a node fits', async () => {
    await client.create(PODS, NS, podObj('big', '3'));
    const ev = await waitFor(async () => (await client.list<Event>(EVENTS, NS, { fieldSelector: 'involvedObject.name=big,reason=FailedScheduling' })).items[0], { timeoutMs: 15_000, what: 'a FailedScheduling event' });
    expect(ev.type).toBe('Warning');
    // No pod of lower priority runs anywhere: preemption cannot help, and the message says so as kube's does.
    expect(ev.message).toBe('0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
    expect(ev.involvedObject.kind).toBe('Pod');
    const cond = await waitFor(async () => (await client.get<Pod>(PODS, NS, 'big')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'), { timeoutMs: 10_000, what: 'PodScheduled=False' });
    expect(cond.reason).toBe('Unschedulable');
    expect(cond.message).toBe('0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
    await client.create(NODES, undefined, nodeObj('node-big', '8'));
    expect(await waitBound(['big'], 15_000)).toEqual(['node-big']);
  }, 60_000);

  it('required pod anti-affinity spreads replicas one per node; one too many waits with kube\'s reason until a node frees', async () => {
    const spread = (name: string): Pod => {
      const p = podObj(name, '10m');
      p.metadata.labels = { app: 'spread' };
      p.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'spread' } }, topologyKey: 'kubernetes.io/hostname' }] } };
      return p;
    };
    const names = ['spread-0', 'spread-1', 'spread-2'];
    for (const n of names) await client.create(PODS, NS, spread(n));
    expect(new Set(await waitBound(names, 20_000)).size).toBe(3);
    await client.create(PODS, NS, spread('spread-3'));
    const ev = await waitFor(async () => (await client.list<Event>(EVENTS, NS, { fieldSelector: 'involvedObject.name=spread-3,reason=FailedScheduling' })).items[0], { timeoutMs: 15_000, what: 'a FailedScheduling event' });
    expect(ev.message).toBe("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    const freed = await nodeOf('spread-0');
    await client.delete(PODS, NS, 'spread-0', { gracePeriodSeconds: 0 });
    expect(await waitBound(['spread-3'], 15_000)).toEqual([freed]);
  }, 60_000);

  it('a higher-priority pod that fits nowhere preempts a lower one: the victim is marked and deleted, the pod nominated and bound', async () => {
    const dedicated = { key: 'dedicated', value: 'preempt', effect: 'NoSchedule' as const };
    const pinned = (name: string, extra: Partial<NonNullable<Pod['spec']>>): Pod => {
      const p = podObj(name, '800m');
      p.spec = { ...p.spec!, nodeSelector: { 'kubernetes.io/hostname': 'node-p' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'preempt', effect: 'NoSchedule' }], ...extra };
      return p;
    };
    await client.create(NODES, undefined, { ...nodeObj('node-p', '1'), spec: { taints: [dedicated] } });
    await client.create({ group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false }, undefined, {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'urgent' },
      value: 1000,
    } as unknown as Pod);
    await client.create(PODS, NS, pinned('victim', { terminationGracePeriodSeconds: 0 }));
    expect(await waitBound(['victim'], 15_000)).toEqual(['node-p']);
    const victimRV = (await client.get<Pod>(PODS, NS, 'victim')).metadata.resourceVersion;
    const watch = await client.watch<Pod>(PODS, NS, { fieldSelector: 'metadata.name=victim', resourceVersion: victimRV });
    const vip = await client.create(PODS, NS, pinned('vip', { priorityClassName: 'urgent' }));
    expect(vip.spec?.priority).toBe(1000);

    // The victim's last state, as its deletion delivers it, carries the scheduler's DisruptionTarget mark.
    const deadline = setTimeout(() => watch.stop(), 15_000);
    let last: Pod | undefined;
    let deleted = false;
    for await (const ev of watch) {
      last = ev.object as Pod;
      if (ev.type === 'DELETED') {
        deleted = true;
        break;
      }
    }
    clearTimeout(deadline);
    watch.stop();
    expect(deleted, 'the victim deleted within 15 s').toBe(true);
    expect(last?.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: 'default-scheduler: preempting to accommodate a higher priority pod',
    });
    expect(await waitBound(['vip'], 15_000)).toEqual(['node-p']);
    const preempted = await waitFor(async () => (await client.list<Event>(EVENTS, NS, { fieldSelector: 'involvedObject.name=victim,reason=Preempted' })).items[0], { timeoutMs: 10_000, what: 'a Preempted event' });
    expect(preempted.message).toBe(`Preempted by pod ${vip.metadata.uid ?? ''} on node node-p`);
    // One attempt failed and preempted; its event says why it did not fit, with no preemption part (it helped).
    const failed = (await client.list<Event>(EVENTS, NS, { fieldSelector: 'involvedObject.name=vip,reason=FailedScheduling' })).items;
    expect(failed.map((e) => e.message)).toEqual(["0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't match Pod's node affinity/selector."]);
    expect((await client.get<Pod>(PODS, NS, 'vip')).status?.nominatedNodeName).toBe('node-p');
  }, 60_000);

  it('kill -9 of the active scheduler: the standby takes the Lease within leaseDuration + retryPeriod and schedules pending pods', async () => {
    const leader = await currentLeader();
    const standby = [...replicas.values()].find((r) => r !== leader)!;
    const t0 = Date.now();
    await leader.proc.kill9();
    killedAt.set(leader.identity, [...(killedAt.get(leader.identity) ?? []), t0]);
    const pending = Array.from({ length: 5 }, (_, i) => `after-kill-${i}`);
    await Promise.all(pending.map((n) => client.create(PODS, NS, podObj(n, '100m'))));
    await waitFor(async () => ((await leaderz(standby)) ? true : undefined), { timeoutMs: 15_000, intervalMs: 50, what: 'the standby to lead' });
    const takeover = Date.now() - t0;
    expect(takeover).toBeLessThan(LEASE_MS + RETRY_MS + 1500); // + polling and process slack
    await waitBound(pending, 15_000);
    await leader.proc.start(); // back as a standby
  }, 60_000);

  it('SIGTERM of the active scheduler: the standby takes over within about one retryPeriod', async () => {
    const leader = await currentLeader();
    const standby = [...replicas.values()].find((r) => r !== leader)!;
    const t0 = Date.now();
    await leader.proc.stop();
    const stopped = Date.now();
    await waitFor(async () => ((await leaderz(standby)) ? true : undefined), { timeoutMs: 10_000, intervalMs: 25, what: 'the standby to lead' });
    expect(Date.now() - stopped).toBeLessThan(RETRY_MS + 1500);
    expect(Date.now() - t0).toBeLessThan(LEASE_MS);
    const pending = Array.from({ length: 5 }, (_, i) => `after-term-${i}`);
    await Promise.all(pending.map((n) => client.create(PODS, NS, podObj(n, '100m'))));
    await waitBound(pending, 15_000);
  }, 60_000);

  it('no bind outside its replica\'s leading interval, no overlapping leaders, no pod bound twice', async () => {
    const terms: Term[] = [];
    const binds: { identity: string; launch: number; object: string; at: number }[] = [];
    for (const r of replicas.values()) {
      const parsed = parseSchedulerLog(r.identity, r.proc.logFile);
      // A launch killed with -9 has no "stopped leading" line: its term ended when it was killed.
      const kills = killedAt.get(r.identity) ?? [];
      for (const t of parsed.terms) if (t.to === undefined && kills[t.launch - 1] !== undefined) t.to = kills[t.launch - 1];
      terms.push(...parsed.terms);
      binds.push(...parsed.journal.filter((j) => j.action === 'bind'));
    }
    expect(terms.length).toBeGreaterThanOrEqual(3);
    expect(binds.length).toBeGreaterThanOrEqual(21);
    for (const b of binds) {
      const inside = terms.some((t) => t.identity === b.identity && t.launch === b.launch && b.at >= t.from && (t.to === undefined || b.at <= t.to));
      expect(inside, `bind of ${b.object} by ${b.identity} at ${b.at} is outside its leading terms`).toBe(true);
    }
    const sorted = [...terms].sort((x, y) => x.from - y.from);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      expect(prev.to, `term of ${prev.identity} is still open while ${sorted[i]!.identity} leads`).toBeDefined();
      expect(prev.to!).toBeLessThanOrEqual(sorted[i]!.from);
    }
    const perPod = new Map<string, number>();
    for (const b of binds) perPod.set(b.object, (perPod.get(b.object) ?? 0) + 1);
    for (const [pod, n] of perPod) expect(n, `${pod} was bound ${n} times`).toBe(1);
  });
});
