/**
 * `capstan node --count 3` as a real process against a real store and `capstan apiserver`, with short
 * timings (lease 4 s so renewals every second, status every second, pods start and stop in 300 ms): three
 * Nodes register Ready and their Leases are renewed; a pod bound to hollow-node-1 runs with an IP of that
 * node's /24 and turns Ready; one that asks for more CPU than the node has is rejected (OutOfcpu); a graceful
 * delete (30 s) removes the pod once its containers have stopped, long before the grace period; a deleted
 * Node is registered again and its Lease re-pointed at it; kill -9 stops
 * the renewals; a restart reuses the Nodes (same UIDs) and renews again. kubectl shows the nodes Ready. The
 * kubelet's Events are written: the nodes' registration, the containers' start and stop, the rejection.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Lease, Node, Pod } from '../../../src/api/index.js';
import { EVENTS, LEASES, NODES, PODS } from '../../../src/components/client/resource.js';
import { RestClient } from '../../../src/components/client/rest-client.js';
import { isNotFound } from '../../../src/components/client/errors.js';
import { kubectl, useApiServer } from '../../apiserver/helpers/apiserver.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';
import { useStore } from '../../compat/helpers/store.js';
import { findOnPath } from '../../compat/helpers/tools.js';
import { waitFor } from '../../compat/helpers/wait.js';
import { ManagedProcess, makeTestDir, nodeTsx, type TestDir } from '../../lb/processes.js';

const store = useStore({ name: 'node' });
const api = useApiServer(store);

const NAMES = ['hollow-node-0', 'hollow-node-1', 'hollow-node-2'];
const RENEW_INTERVAL_MS = 1_000;

describe('capstan node --count 3', () => {
  let dir: TestDir;
  let proc: ManagedProcess;
  let client: RestClient;
  let health: string;

  beforeAll(async () => {
    dir = makeTestDir('node');
    const [port] = await freePorts(1);
    health = `http://127.0.0.1:${port!}`;
    const { command, args } = nodeTsx('src/cli.ts');
    proc = new ManagedProcess(
      {
        name: 'capstan node',
        command,
        args: [
          ...args,
          'node',
          `--master=${api().url}`,
          '--count=3',
          `--port=${port!}`,
          '--node-lease-duration=4s',
          '--node-status-update-frequency=1s',
          '--pod-start-delay=300ms',
          '--pod-stop-delay=300ms',
          '--capacity=cpu=2,memory=4Gi,pods=10',
        ],
        ready: async () => (await fetch(`${health}/readyz`).catch(() => undefined))?.status === 200,
        readyTimeoutMs: 30_000,
      },
      join(dir.path, 'node.log'),
    );
    await proc.start();
    client = new RestClient({ config: { server: api().url } });
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await proc?.stop();
    dir?.dispose();
  });

  const leases = async (): Promise<Map<string, Lease>> => {
    const list = await client.list<Lease>(LEASES, 'kube-node-lease');
    return new Map(list.items.map((l) => [l.metadata.name ?? '', l]));
  };

  it('registers three Ready nodes whose Leases are renewed', async () => {
    const nodes = await waitFor(
      async () => {
        const list = await client.list<Node>(NODES, undefined);
        const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        return ready.length === 3 ? list.items : undefined;
      },
      { timeoutMs: 20_000, what: 'three Ready nodes' },
    );
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(NAMES);
    const n1 = nodes.find((n) => n.metadata.name === 'hollow-node-1')!;
    expect(n1.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'hollow-node-1', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'node.kubernetes.io/instance-type': 'hollow' });
    expect(n1.spec?.podCIDR).toBe('10.244.1.0/24');
    expect(n1.status?.capacity).toEqual({ cpu: '2', memory: '4Gi', pods: '10' });
    expect(n1.status?.addresses).toEqual([
      { type: 'InternalIP', address: '172.16.0.2' },
      { type: 'Hostname', address: 'hollow-node-1' },
    ]);
    expect(n1.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'KubeletReady', message: 'kubelet is posting ready status' });

    const first = await waitFor(async () => {
      const l = await leases();
      return NAMES.every((n) => l.has(n)) ? l : undefined;
    }, { timeoutMs: 10_000, what: 'three node Leases' });
    expect(first.get('hollow-node-1')!.spec).toMatchObject({ holderIdentity: 'hollow-node-1', leaseDurationSeconds: 4 });
    expect(first.get('hollow-node-1')!.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'hollow-node-1', uid: n1.metadata.uid }]);
    await waitFor(async () => {
      const l = await leases();
      return NAMES.every((n) => l.get(n)!.spec!.renewTime! > first.get(n)!.spec!.renewTime!) ? true : undefined;
    }, { timeoutMs: 5 * RENEW_INTERVAL_MS, intervalMs: 100, what: 'every Lease to be renewed' });
    expect((await fetch(`${health}/healthz`)).status).toBe(200);
  }, 30_000);

  it('kubectl get nodes shows them Ready', async (ctx) => {
    const bin = findOnPath('kubectl');
    if (bin === undefined) ctx.skip();
    const r = kubectl(bin!, api().url, ['get', 'nodes', '--no-headers']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((c) => [c[0], c[1]])).toEqual(NAMES.map((n) => [n, 'Ready']));
  });

  it('runs a pod bound to hollow-node-1 with an IP of its range; a graceful delete removes it after the simulated stop', async () => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', resources: { requests: { cpu: '500m' } } }] } };
    await client.create(PODS, 'default', pod);
    await client.bind('default', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', namespace: 'default' }, target: { apiVersion: 'v1', kind: 'Node', name: 'hollow-node-1' } });
    const running = await waitFor(async () => {
      const p = await client.get<Pod>(PODS, 'default', 'web');
      return p.status?.phase === 'Running' ? p : undefined;
    }, { timeoutMs: 10_000, what: 'the pod to run' });
    expect(running.status?.podIP).toMatch(/^10\.244\.1\.\d+$/);
    expect(running.status?.hostIP).toBe('172.16.0.2');
    expect(running.status?.startTime).toBeDefined();
    expect(Object.fromEntries((running.status?.conditions ?? []).map((c) => [c.type, c.status]))).toEqual({ Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
    expect(running.status?.containerStatuses).toEqual([
      expect.objectContaining({ name: 'nginx', ready: true, started: true, restartCount: 0, image: 'nginx:1.27', containerID: expect.stringMatching(/^hollow:\/\/[0-9a-f]{64}$/), state: { running: { startedAt: expect.any(String) } } }),
    ]);

    const t0 = Date.now();
    await client.delete(PODS, 'default', 'web', { gracePeriodSeconds: 30 });
    await waitFor(async () => {
      try {
        await client.get<Pod>(PODS, 'default', 'web');
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    }, { timeoutMs: 10_000, intervalMs: 50, what: 'the deleted pod to go' });
    expect(Date.now() - t0).toBeLessThan(5_000);

    // The kubelet's Events on the pod's container: started (Pulled, Created, Started), then stopped (Killing).
    const events = await waitFor(async () => {
      const list = await client.list<Event>(EVENTS, 'default', { fieldSelector: `involvedObject.name=web,involvedObject.uid=${running.metadata.uid!}` });
      return list.items.length >= 4 ? list.items : undefined;
    }, { timeoutMs: 10_000, what: 'the pod\'s four kubelet events' });
    expect(events.map((e) => [e.reason, e.message, e.involvedObject.fieldPath, e.source, e.type])).toEqual([
      ['Pulled', 'Container image "nginx:1.27" already present on machine', 'spec.containers{nginx}', { component: 'kubelet', host: 'hollow-node-1' }, 'Normal'],
      ['Created', 'Created container nginx', 'spec.containers{nginx}', { component: 'kubelet', host: 'hollow-node-1' }, 'Normal'],
      ['Started', 'Started container nginx', 'spec.containers{nginx}', { component: 'kubelet', host: 'hollow-node-1' }, 'Normal'],
      ['Killing', 'Stopping container nginx', 'spec.containers{nginx}', { component: 'kubelet', host: 'hollow-node-1' }, 'Normal'],
    ]);
    expect(events[0]!.reportingInstance).toBe('hollow-node-1');
  }, 30_000);

  it('writes the kubelet\'s Events of each node\'s registration', async () => {
    const events = await waitFor(async () => {
      const list = await client.list<Event>(EVENTS, 'default', { fieldSelector: 'involvedObject.kind=Node,involvedObject.name=hollow-node-0' });
      return list.items.length >= 6 ? list.items : undefined;
    }, { timeoutMs: 10_000, what: 'six node events' });
    expect(events.map((e) => [e.reason, e.message])).toEqual([
      ['Starting', 'Starting kubelet.'],
      ['NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods'],
      ['NodeHasSufficientMemory', 'Node hollow-node-0 status is now: NodeHasSufficientMemory'],
      ['NodeHasNoDiskPressure', 'Node hollow-node-0 status is now: NodeHasNoDiskPressure'],
      ['NodeHasSufficientPID', 'Node hollow-node-0 status is now: NodeHasSufficientPID'],
      ['NodeReady', 'Node hollow-node-0 status is now: NodeReady'],
    ]);
    // The kubelet's nodeRef: the node by name, with the name as UID, no namespace.
    expect(events[0]!.involvedObject).toMatchObject({ kind: 'Node', name: 'hollow-node-0', uid: 'hollow-node-0' });
    expect(events[0]!.involvedObject.namespace).toBeUndefined();
  });

  it('rejects a pod that does not fit (OutOfcpu)', async () => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big', namespace: 'default' }, spec: { nodeName: 'hollow-node-2', containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '3' } } }] } };
    await client.create(PODS, 'default', pod);
    const failed = await waitFor(async () => {
      const p = await client.get<Pod>(PODS, 'default', 'big');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, { timeoutMs: 10_000, what: 'the pod to be rejected' });
    expect(failed.status).toMatchObject({ reason: 'OutOfcpu', message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000" });
    const warning = await waitFor(async () => (await client.list<Event>(EVENTS, 'default', { fieldSelector: 'involvedObject.name=big' })).items[0], { timeoutMs: 10_000, what: 'the rejection event' });
    expect([warning.type, warning.reason, warning.source?.host]).toEqual(['Warning', 'OutOfcpu', 'hollow-node-2']);
    await client.delete(PODS, 'default', 'big');
    await waitFor(async () => ((await client.list<Pod>(PODS, 'default')).items.some((p) => p.metadata.name === 'big') ? undefined : true), { timeoutMs: 10_000, what: 'the rejected pod to go' });
  }, 30_000);

  it('registers a deleted Node again, and points its Lease at the new Node', async () => {
    const old = await client.get<Node>(NODES, undefined, 'hollow-node-2');
    await client.delete(NODES, undefined, 'hollow-node-2');
    const again = await waitFor(async () => {
      const n = await client.get<Node>(NODES, undefined, 'hollow-node-2').catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
      return n !== undefined && n.metadata.uid !== old.metadata.uid ? n : undefined;
    }, { timeoutMs: 10_000, what: 'hollow-node-2 to be registered again' });
    expect(again.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    await waitFor(async () => {
      const l = (await leases()).get('hollow-node-2');
      return l?.metadata.ownerReferences?.[0]?.uid === again.metadata.uid ? true : undefined;
    }, { timeoutMs: 5 * RENEW_INTERVAL_MS, intervalMs: 100, what: 'the Lease to be owned by the new Node' });
  }, 30_000);

  it('kill -9 stops the renewals; a restart reuses the Nodes and renews again', async () => {
    const before = await client.list<Node>(NODES, undefined);
    const uids = new Map(before.items.map((n) => [n.metadata.name, n.metadata.uid]));
    await proc.kill9();
    const stopped = await leases();
    // An observation window, not a wait for a state: three renewal intervals pass without a renewal.
    await delay(3 * RENEW_INTERVAL_MS);
    const later = await leases();
    for (const n of NAMES) expect(later.get(n)!.spec!.renewTime).toBe(stopped.get(n)!.spec!.renewTime);

    await proc.start();
    const after = await client.list<Node>(NODES, undefined);
    expect(after.items).toHaveLength(3);
    for (const n of after.items) expect(n.metadata.uid).toBe(uids.get(n.metadata.name));
    await waitFor(async () => {
      const l = await leases();
      return NAMES.every((n) => l.get(n)!.spec!.renewTime! > stopped.get(n)!.spec!.renewTime!) ? true : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100, what: 'the Leases to be renewed after the restart' });
  }, 40_000);
});
