/**
 * The whole control plane, started by `capstan up` (3 store members, 2 API servers behind the LB, 2 schedulers,
 * 2 controller-managers, 3 hollow nodes, every one a real process on loopback ports chosen at run time), driven
 * with kubectl and proved under failure:
 *
 * - a Deployment of 10 replicas runs on the hollow nodes, scales to 30 and back, rolls out a new image
 *   (`kubectl rollout status` succeeds) and its Service gets the pods as Endpoints;
 * - a DaemonSet runs one pod on every node, rolls a new image out with never more than one node (its
 *   maxUnavailable) lacking a ready pod, lists its revisions in `kubectl rollout history` and rolls back with
 *   `rollout undo`;
 * - a Job made with `kubectl create job` completes (`kubectl wait --for=condition=complete`; its hollow pod exits 0),
 *   and one whose pod exits 3 with backoffLimit 0 fails with BackoffLimitExceeded;
 * - kill -9 of the active scheduler (and controller-manager): the standby holds the Lease within leaseDuration and
 *   two of its (jittered) tries and does the pending work; SIGTERM: the standby takes over at its next try;
 * - the store leader, one API server and the active scheduler killed at once while a Deployment scales: it
 *   converges, and no pod is ever bound twice (a watch records every pod's nodeName);
 * - a stopped hollow node goes Unknown, is tainted unreachable, and its pods are evicted and replaced elsewhere
 *   (the DaemonSet's pod, which tolerates the taint, stays);
 * - throughout, no two replicas of a component ever act as leader at once: every action a replica journals lies
 *   in one of its own terms, and terms of different replicas never overlap (a killed replica's term ends when
 *   it was killed); the Lease's recorded holders follow the terms and leaseTransitions counts each change.
 *
 * Leader election runs with short timings here (lease 4 s, renew 3 s, retry 1 s) and nodes renew 6 s Leases,
 * with a 6 s node-monitor grace period, so the test takes minutes, not hours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from '../../src/api/coordination-v1.js';
import type { Endpoints, Node, Pod } from '../../src/api/core-v1.js';
import type { DaemonSet, Deployment } from '../../src/api/apps-v1.js';
import type { KubeObject, WatchEvent } from '../../src/api/index.js';
import type { FaultRecord } from '../../src/cli/chaos-faults.js';
import { findComponentLeader } from '../../src/cli/chaos-targets.js';
import { isAlive } from '../../src/cli/launcher/processes.js';
import { DAEMON_SETS, DEPLOYMENTS, ENDPOINTS, LEASES, NODES, PODS } from '../../src/components/client/resource.js';
import type { WatchStream } from '../../src/components/client/watch-stream.js';
import { compatRequired } from '../compat/helpers/tools.js';
import { waitFor } from '../compat/helpers/wait.js';
import type { ComponentsView } from '../../src/cli/launcher/component-status.js';
import { capstan, kubectlBinary, readComponentLog, startFullCluster, type FullCluster, type Term } from './helpers/full-cluster.js';

const LEASE_MS = 4_000;
const RETRY_MS = 1_000;
/** POLL_MAX_MS is the longest pause of a standby between two tries: retryPeriod jittered by client-go's factor 1.2. */
const POLL_MAX_MS = 2.2 * RETRY_MS;
const NS = 'default';

function deployment(name: string, replicas: number, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
          tolerations: [
            { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
            { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
          ],
        },
      },
    },
  });
}

function daemonSet(name: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image, resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
    },
  });
}

const skip = kubectlBinary() === undefined && !compatRequired();

describe.skipIf(skip)('the whole cluster under capstan up', () => {
  let c: FullCluster;
  /** bound records, per pod uid, every nodeName a watch saw it with. */
  const bound = new Map<string, Set<string>>();
  const leaseHolders: { name: string; holder: string; transitions: number }[] = [];
  const watches: WatchStream<KubeObject>[] = [];
  const kills: { identity: string; at: number }[] = [];

  const pods = async (app: string): Promise<Pod[]> => (await c.client.list<Pod>(PODS, NS, { labelSelector: `app=${app}` })).items;
  const running = (ps: Pod[]): Pod[] => ps.filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase === 'Running' && p.status.podIP !== undefined);
  const lease = (name: string): Promise<Lease> => c.client.get<Lease>(LEASES, 'kube-system', name);
  const identityOf = (name: string): string => [...c.file().components!.schedulers, ...c.file().components!.controllerManagers].find((r) => r.name === name)!.identity;

  async function record(resource: typeof PODS | typeof LEASES, ns: string | undefined, on: (e: WatchEvent<KubeObject>) => void): Promise<void> {
    const list = await c.client.list<KubeObject>(resource, ns);
    const loop = async (rv: string): Promise<void> => {
      for (;;) {
        let w: WatchStream<KubeObject>;
        try {
          w = await c.client.watch<KubeObject>(resource, ns, { resourceVersion: rv, allowWatchBookmarks: true });
        } catch {
          if (stopped) return;
          continue;
        }
        watches.push(w);
        try {
          for await (const e of w) {
            if (e.type !== 'ERROR') rv = e.object.metadata?.resourceVersion ?? rv;
            if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') on(e);
          }
        } catch {
          // The replica serving the watch died (the test kills one): watch again from the last resourceVersion.
        }
        if (stopped) return;
      }
    };
    for (const o of list.items) on({ type: 'ADDED', object: o });
    void loop(list.metadata.resourceVersion!);
  }
  let stopped = false;

  async function waitRunning(app: string, n: number, timeoutMs = 120_000): Promise<Pod[]> {
    return waitFor(
      async () => {
        const ps = await pods(app);
        const live = ps.filter((p) => p.metadata.deletionTimestamp === undefined);
        const r = running(ps);
        return live.length === n && r.length === n ? r : undefined;
      },
      { timeoutMs, intervalMs: 250, what: `${n} running pods of ${app}` },
    );
  }

  /** takeover waits until the Lease names another holder than identity, and returns how long after since it did. */
  async function takeover(name: string, identity: string, since: number): Promise<number> {
    return waitFor(
      async () => {
        const l = await lease(name);
        const h = l.spec?.holderIdentity ?? '';
        return h !== '' && h !== identity ? Date.now() - since : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: `another holder of ${name}` },
    );
  }

  beforeAll(async () => {
    c = await startFullCluster([
      '--leader-elect-lease-duration=4s',
      '--leader-elect-renew-deadline=3s',
      '--leader-elect-retry-period=1s',
      '--node-lease-duration=6s',
      '--node-monitor-grace-period=6s',
    ]);
    await record(PODS, undefined, (e) => {
      const p = e.object as Pod;
      if (p.spec?.nodeName === undefined) return;
      const s = bound.get(p.metadata.uid!) ?? new Set<string>();
      s.add(p.spec.nodeName);
      bound.set(p.metadata.uid!, s);
    });
    await record(LEASES, 'kube-system', (e) => {
      const l = e.object as Lease;
      const holder = l.spec?.holderIdentity ?? '';
      const last = leaseHolders.findLast((x) => x.name === l.metadata.name);
      if (last === undefined || last.holder !== holder) leaseHolders.push({ name: l.metadata.name ?? '', holder, transitions: l.spec?.leaseTransitions ?? 0 });
    });
    await waitFor(
      async () => {
        const nodes = (await c.client.list<Node>(NODES, undefined)).items;
        return nodes.length === 3 && nodes.every((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'three Ready hollow nodes' },
    );
  }, 240_000);

  afterAll(async () => {
    stopped = true;
    watches.forEach((w) => w.stop());
    await c?.stop();
  });

  it('capstan status shows every process: the store leader and term, which scheduler and controller-manager hold their Lease and since when, and node readiness', async () => {
    const view = JSON.parse((await capstan('status', '--dir', c.dir, '-o', 'json')).stdout) as {
      store: { name: string; leader?: boolean; raftTerm?: number; healthy: boolean }[];
      apiserver: { processes: { name: string; ready: boolean }[] };
      components: ComponentsView;
    };
    expect(view.store.filter((m) => m.leader)).toHaveLength(1);
    expect(view.store.every((m) => m.healthy && (m.raftTerm ?? 0) > 0)).toBe(true);
    expect(view.apiserver.processes.map((p) => [p.name, p.ready])).toEqual([['lb', true], ['apiserver-1', true], ['apiserver-2', true]]);
    for (const group of [view.components.schedulers, view.components.controllerManagers]) {
      const leaders = group.replicas.filter((r) => r.leading);
      expect(leaders).toHaveLength(1);
      expect(group.lease?.holderName).toBe(leaders[0]!.name);
      expect(Date.parse(leaders[0]!.leadingSince!)).toBeGreaterThan(0);
      expect(group.replicas.every((r) => r.healthy)).toBe(true);
    }
    expect(view.components.nodes.map((n) => [n.node, n.ready, n.healthy])).toEqual([['node-1', 'True', true], ['node-2', 'True', true], ['node-3', 'True', true]]);
    const table = (await capstan('status', '--dir', c.dir)).stdout;
    expect(table).toMatch(/^scheduler: Lease kube-system\/kube-scheduler held by scheduler-\d since \S+, \d+ transition\(s\)$/m);
    expect(table).toMatch(/^controller-manager-\d\s+\d+\s+leader\s+\S+\s+healthy$/m);
    expect(table).toMatch(/^node-agent-1\s+node-1\s+\d+\s+True\s+healthy$/m);
  });

  it('runs a Deployment of 10 on the hollow nodes, scales it to 30 and back, rolls out a new image, and gives its Service Endpoints', async () => {
    expect(c.kubectl(['apply', '-f', '-'], deployment('web', 10, 'registry.local/web:v1'))).toMatchObject({ code: 0 });
    expect(c.kubectl(['expose', 'deployment', 'web', '--port=80', '--target-port=http'])).toMatchObject({ code: 0 });
    const ten = await waitRunning('web', 10);
    const nodeNames = new Set(c.file().components!.nodes.map((n) => n.nodeName));
    expect(ten.every((p) => nodeNames.has(p.spec!.nodeName!))).toBe(true);
    expect(new Set(ten.map((p) => p.spec!.nodeName)).size).toBe(3); // spread over every node

    expect(c.kubectl(['scale', 'deployment/web', '--replicas=30'])).toMatchObject({ code: 0 });
    await waitRunning('web', 30);
    expect(c.kubectl(['scale', 'deployment/web', '--replicas=10'])).toMatchObject({ code: 0 });
    await waitRunning('web', 10);

    expect(c.kubectl(['set', 'image', 'deployment/web', 'app=registry.local/web:v2'])).toMatchObject({ code: 0 });
    const rollout = c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=180s']);
    expect(rollout, rollout.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('successfully rolled out') });
    const after = await waitRunning('web', 10);
    expect(after.every((p) => p.spec!.containers[0]!.image === 'registry.local/web:v2')).toBe(true);
    const d = await c.client.get<Deployment>(DEPLOYMENTS, NS, 'web');
    expect(d.status).toMatchObject({ replicas: 10, updatedReplicas: 10, availableReplicas: 10, readyReplicas: 10 });

    const ips = await waitFor(
      async () => {
        const ep = await c.client.get<Endpoints>(ENDPOINTS, NS, 'web');
        const want = new Set((await waitRunning('web', 10)).map((p) => p.status!.podIP!));
        const have = new Set((ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)));
        return have.size === want.size && [...want].every((ip) => have.has(ip)) ? ep : undefined;
      },
      { timeoutMs: 30_000, what: 'Endpoints of web = its running pods' },
    );
    expect(ips.subsets![0]!.ports).toEqual([expect.objectContaining({ port: 8080 })]);
  }, 600_000);

  it('runs a DaemonSet pod on every node, rolls a new image out one node at a time, and rolls it back (kubectl rollout status, history, undo)', async () => {
    const agents = new Map<string, Pod>();
    let watching = false;
    let fewestAvailable = Infinity;
    await record(PODS, NS, (e) => {
      const p = e.object as Pod;
      if (p.metadata.labels?.['app'] !== 'agent') return;
      if (e.type === 'DELETED') agents.delete(p.metadata.uid!);
      else agents.set(p.metadata.uid!, p);
      if (!watching) return;
      const ready = [...agents.values()].filter((x) => x.metadata.deletionTimestamp === undefined && x.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True'));
      fewestAvailable = Math.min(fewestAvailable, new Set(ready.map((x) => x.spec?.nodeName)).size);
    });
    expect(c.kubectl(['apply', '-f', '-'], daemonSet('agent', 'registry.local/agent:v1'))).toMatchObject({ code: 0 });
    const status = (): { code: number; stdout: string; stderr: string } => c.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=120s']);
    const first = status();
    expect(first, first.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('daemon set "agent" successfully rolled out') });
    const placed = await waitRunning('agent', 3);
    const nodeNames = new Set(c.file().components!.nodes.map((n) => n.nodeName));
    expect(new Set(placed.map((p) => p.spec!.nodeName))).toEqual(nodeNames); // one on every node
    for (const p of placed) {
      expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'DaemonSet', name: 'agent', controller: true })]);
      expect(p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec!.nodeName] }] },
      ]);
      expect(p.spec!.tolerations).toContainEqual({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
    }
    expect(c.kubectl(['get', 'daemonset', 'agent']).stdout).toMatch(/^agent\s+3\s+3\s+3\s+3\s+3\s+<none>\s+\S+$/m);

    // The watch may lag the lists: start judging once it too sees three ready pods, and judge once it has seen
    // the rollout end (three ready pods of the new image and nothing else).
    const watchSees = (image: string): Promise<boolean> =>
      waitFor(
        () => {
          const all = [...agents.values()];
          const ready = all.filter((p) => p.metadata.deletionTimestamp === undefined && p.spec!.containers[0]!.image === image && p.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True'));
          return all.length === 3 && ready.length === 3 ? true : undefined;
        },
        { timeoutMs: 30_000, what: `the watch seeing three ready pods of ${image}` },
      );
    await watchSees('registry.local/agent:v1');
    watching = true;
    expect(c.kubectl(['annotate', 'daemonset/agent', 'kubernetes.io/change-cause=agent v2'])).toMatchObject({ code: 0 });
    expect(c.kubectl(['set', 'image', 'daemonset/agent', 'agent=registry.local/agent:v2'])).toMatchObject({ code: 0 });
    const second = status();
    expect(second, second.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('successfully rolled out') });
    const updated = await waitRunning('agent', 3);
    expect(updated.every((p) => p.spec!.containers[0]!.image === 'registry.local/agent:v2')).toBe(true);
    await watchSees('registry.local/agent:v2');
    watching = false;
    expect(fewestAvailable).toBe(2); // maxUnavailable 1: one node at a time, and each node's turn did come
    const history = c.kubectl(['rollout', 'history', 'daemonset/agent']);
    expect(history.stdout).toMatch(/^1\s+<none>$/m);
    expect(history.stdout).toMatch(/^2\s+agent v2$/m);

    const undo = c.kubectl(['rollout', 'undo', 'daemonset/agent']);
    expect(undo, undo.stderr).toMatchObject({ code: 0 });
    expect(status()).toMatchObject({ code: 0 });
    const back = await waitRunning('agent', 3);
    expect(back.every((p) => p.spec!.containers[0]!.image === 'registry.local/agent:v1')).toBe(true);
    const revisions = c.kubectl(['get', 'controllerrevisions', '-l', 'app=agent', '-o', 'jsonpath={range .items[*]}{.revision}{" "}{end}']);
    expect(revisions.stdout.trim().split(' ').map(Number).sort()).toEqual([2, 3]); // revision 1 came back as 3
    const ds = await c.client.get<DaemonSet>(DAEMON_SETS, NS, 'agent');
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: ds.metadata.generation });
  }, 400_000);

  it('runs Jobs on the hollow nodes to completion and to failure (kubectl create job, wait, get)', () => {
    // `kubectl create job` makes Never pods: hollow containers exit 0 after --pod-run-duration (5 s).
    expect(c.kubectl(['create', 'job', 'pi', '--image=registry.local/perl:5', '--', 'perl', '-e', 'print 1'])).toMatchObject({ code: 0 });
    const done = c.kubectl(['wait', '--for=condition=complete', 'job/pi', '--timeout=120s']);
    expect(done, done.stderr).toMatchObject({ code: 0 });
    expect(c.kubectl(['get', 'job', 'pi']).stdout).toMatch(/^pi\s+Complete\s+1\/1\s+\d+s\s+\S+$/m);
    const pod = c.kubectl(['get', 'pods', '-l', 'job-name=pi', '-o', 'jsonpath={.items[0].status.phase} {.items[0].status.containerStatuses[0].state.terminated.reason}']);
    expect(pod.stdout).toBe('Succeeded Completed');
    const failing = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: {name: oops}',
      'spec:',
      '  backoffLimit: 0',
      '  template:',
      "    metadata: {annotations: {capstan.io/hollow-run-duration: 1s, capstan.io/hollow-exit-code: '3'}}",
      '    spec: {restartPolicy: Never, containers: [{name: c, image: registry.local/busybox:1}]}',
    ].join('\n');
    expect(c.kubectl(['apply', '-f', '-'], failing)).toMatchObject({ code: 0 });
    const failed = c.kubectl(['wait', '--for=condition=failed', 'job/oops', '--timeout=120s']);
    expect(failed, failed.stderr).toMatchObject({ code: 0 });
    expect(c.kubectl(['get', 'job', 'oops', '-o', 'jsonpath={.status.failed} {.status.conditions[?(@.type=="Failed")].reason}']).stdout).toBe('1 BackoffLimitExceeded');
    expect(c.kubectl(['get', 'pods', '-l', 'job-name=oops', '-o', 'jsonpath={.items[0].status.phase} {.items[0].status.containerStatuses[0].state.terminated.exitCode}']).stdout).toBe('Failed 3');
  }, 300_000);

  it.each([
    ['scheduler', 'kube-scheduler'],
    ['controller-manager', 'kube-controller-manager'],
  ] as const)('kill -9 of the active %s: the standby holds the Lease within leaseDuration and two jittered retry periods and works; SIGTERM: takeover at the standby\'s next try', async (component, leaseName) => {
    const app = `after-${component}`;
    const [killed] = (await c.chaos('kill', '--component', component, '--leader')) as [FaultRecord];
    kills.push({ identity: identityOf(killed.name), at: killed.at });
    // Work only a leader can do, asked for while nobody leads.
    expect(c.kubectl(['apply', '-f', '-'], deployment(app, 3, 'registry.local/web:v1'))).toMatchObject({ code: 0 });
    const killMs = await takeover(leaseName, identityOf(killed.name), killed.at);
    process.stdout.write(`${component}: kill -9 of the leader → standby holds the Lease after ${killMs} ms\n`);
    // A standby polls every retryPeriod × [1, 2.2] (client-go's JitterUntil, factor 1.2) and judges expiry by when
    // it saw the last renewal: it may see the final renewal up to one poll after the kill, waits leaseDuration
    // from then, and notices at its next poll — leaseDuration + 2 polls at worst; 1 s covers request latency on a
    // loaded 2-core machine. (Measured 4.4–6.5 s with lease 4 s and retry 1 s.)
    expect(killMs).toBeLessThan(LEASE_MS + 2 * POLL_MAX_MS + 1_000);
    await waitRunning(app, 3);

    const [restarted] = await c.chaos('restart', '--component', component, '--member', killed.name);
    expect(restarted).toMatchObject({ action: 'restart', name: killed.name });

    // A clean stop releases the Lease: the standby (the restarted replica) takes over within about a retry period.
    const active = await findComponentLeader(c.file(), component, 10_000);
    const termAt = Date.now();
    process.kill(active.pid, 'SIGTERM');
    await waitFor(() => (isAlive(active.pid) ? undefined : true), { timeoutMs: 20_000, what: `${active.name} to exit` });
    const termMs = await takeover(leaseName, identityOf(active.name), termAt);
    process.stdout.write(`${component}: SIGTERM of the leader → standby holds the Lease after ${termMs} ms\n`);
    expect(termMs).toBeLessThan(POLL_MAX_MS + 1_000); // the released Lease is taken at the standby's next poll
    expect(c.kubectl(['scale', `deployment/${app}`, '--replicas=5'])).toMatchObject({ code: 0 });
    await waitRunning(app, 5);
    await c.chaos('restart', '--component', component, '--member', active.name);
  }, 300_000);

  it('converges a scaling Deployment while the store leader, an API server and the active scheduler die at once, binding no pod twice', async () => {
    expect(c.kubectl(['apply', '-f', '-'], deployment('storm', 5, 'registry.local/web:v1'))).toMatchObject({ code: 0 });
    await waitRunning('storm', 5);
    expect(c.kubectl(['scale', 'deployment/storm', '--replicas=30'])).toMatchObject({ code: 0 });
    const faults = (
      await Promise.all([
        c.chaos('kill', '--component', 'store', '--leader'),
        c.chaos('kill', '--component', 'apiserver', '--member', 'apiserver-1'),
        c.chaos('kill', '--component', 'scheduler', '--leader'),
      ])
    ).flat();
    const sched = faults.find((f) => f.component === 'scheduler')!;
    kills.push({ identity: identityOf(sched.name), at: sched.at });
    await waitRunning('storm', 30, 180_000);
    for (const f of faults) await c.chaos('restart', '--component', f.component, '--member', f.name);
    const twice = [...bound.entries()].filter(([, nodes]) => nodes.size > 1);
    expect(twice).toEqual([]);
  }, 400_000);

  it('a stopped hollow node goes Unknown, is tainted unreachable, and its pods are evicted and replaced elsewhere', async () => {
    const before = await waitRunning('web', 10);
    const victim = c.file().components!.nodes.find((n) => before.some((p) => p.spec!.nodeName === n.nodeName))!;
    const onVictim = before.filter((p) => p.spec!.nodeName === victim.nodeName).map((p) => p.metadata.uid!);
    expect(onVictim.length).toBeGreaterThan(0);
    await c.chaos('kill', '--component', 'node', '--member', victim.name);
    const node = await waitFor(
      async () => {
        const n = await c.client.get<Node>(NODES, undefined, victim.nodeName);
        const ready = n.status?.conditions?.find((x) => x.type === 'Ready');
        const tainted = n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
        return ready?.status === 'Unknown' && tainted === true ? n : undefined;
      },
      { timeoutMs: 60_000, what: `${victim.nodeName} Unknown and tainted` },
    );
    expect(node.status!.conditions!.find((x) => x.type === 'Ready')).toMatchObject({ reason: 'NodeStatusUnknown' });
    const replaced = await waitFor(
      async () => {
        const ps = await pods('web');
        const evicted = ps.filter((p) => onVictim.includes(p.metadata.uid!));
        const r = running(ps).filter((p) => p.spec!.nodeName !== victim.nodeName);
        return evicted.every((p) => p.metadata.deletionTimestamp !== undefined) && r.length === 10 ? r : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'pods of the dead node evicted and 10 running elsewhere' },
    );
    expect(replaced.every((p) => p.spec!.nodeName !== victim.nodeName)).toBe(true);
    // The DaemonSet's pod tolerates the unreachable taint: it stays bound to the dead node, not evicted.
    const daemon = (await pods('agent')).filter((p) => p.spec!.nodeName === victim.nodeName);
    expect(daemon).toHaveLength(1);
    expect(daemon[0]!.metadata.deletionTimestamp).toBeUndefined();
    await c.chaos('restart', '--component', 'node', '--member', victim.name);
  }, 300_000);

  it('never let two replicas of a component act at once (journals, terms and the Lease history agree)', () => {
    const f = c.file().components!;
    for (const [group, leaseName] of [[f.schedulers, 'kube-scheduler'], [f.controllerManagers, 'kube-controller-manager']] as const) {
      const logs = group.map((r) => ({ r, log: readComponentLog(r.log, r.identity) }));
      const terms: Term[] = logs.flatMap(({ log }) => log.terms).map((t) => ({ ...t }));
      // A replica killed while leading ends its term when it died.
      for (const t of terms) {
        if (t.end !== undefined) continue;
        const k = kills.find((x) => x.identity === t.identity && x.at >= t.start);
        if (k !== undefined) t.end = k.at;
      }
      terms.sort((a, b) => a.start - b.start);
      for (let i = 1; i < terms.length; i++) {
        expect(terms[i]!.start, `${leaseName}: term of ${terms[i]!.identity} starts before ${terms[i - 1]!.identity}'s ended`).toBeGreaterThanOrEqual(terms[i - 1]!.end ?? Number.POSITIVE_INFINITY);
      }
      const journal = logs.flatMap(({ log }) => log.journal);
      expect(journal.length).toBeGreaterThan(0);
      const outside = journal.filter((j) => !terms.some((t) => t.identity === j.identity && j.at >= t.start && j.at <= (t.end ?? Number.POSITIVE_INFINITY)));
      expect(outside).toEqual([]);
      // The Lease's holders, in order, are the terms' replicas, and each change counted one transition.
      const holders = leaseHolders.filter((h) => h.name === leaseName && h.holder !== '');
      expect(holders.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < holders.length; i++) expect(holders[i]!.transitions).toBeGreaterThan(holders[i - 1]!.transitions);
      const termOrder = terms.map((t) => t.identity).filter((id, i, a) => i === 0 || a[i - 1] !== id);
      expect(holders.map((h) => h.holder).filter((id, i, a) => i === 0 || a[i - 1] !== id)).toEqual(termOrder.slice(termOrder.length - holders.length));
    }
  });
});
