/**
 * The ReplicaSet and Deployment controllers against a real store process and a real `capstan apiserver`, run
 * in-process by runComponent (leader election off; `capstan controller-manager` registers them elsewhere). A
 * simulated kubelet in the test marks every new pod Running and Ready through pods/status; an observer watches
 * the pods throughout. Proven: a Deployment of 10 gets 10 pods owned by its ReplicaSet; it scales to 30 and back
 * to 10; a rolling update (maxSurge 25 %, maxUnavailable 25 %) never has more than 13 pods or fewer than 8 ready
 * ones at any observed moment and ends with every pod on the new template; `kubectl rollout status`, `rollout
 * history` and `rollout undo` work with kubectl 1.20 and the machine's kubectl; a ReplicaSet replaces deleted
 * pods, adopts a matching orphan and releases a pod whose labels stop matching. The scaling and the pods created
 * and deleted are Events on the Deployment and the ReplicaSet, in kube's words, correlated as client-go's. A
 * StatefulSet makes its pods in ordinal order, each once the one before is ready, scales down from the top, rolls
 * out highest ordinal first, and `kubectl rollout status|history|undo statefulset` work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTime, type DeepReadonly, type Deployment, type Event, type Pod, type ReplicaSet, type StatefulSet } from '../../../../src/api/index.js';
import { deploymentController, replicaSetController, statefulSetController } from '../../../../src/components/controllers/workloads/index.js';
import { isConflict, isNotFound } from '../../../../src/components/client/errors.js';
import { COMBINED_PREFIX } from '../../../../src/components/client/event-correlator.js';
import { Informer } from '../../../../src/components/client/informer.js';
import { listWatchFor } from '../../../../src/components/client/reflector.js';
import { DEPLOYMENTS, EVENTS, PODS, REPLICA_SETS, STATEFUL_SETS } from '../../../../src/components/client/resource.js';
import { RestClient } from '../../../../src/components/client/rest-client.js';
import { resolveComponentFlags } from '../../../../src/components/runtime/component-flags.js';
import type { Controller } from '../../../../src/components/runtime/controller.js';
import { runComponent } from '../../../../src/components/runtime/run-component.js';
import { systemClock } from '../../../../src/util/clock.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { SeededRandom } from '../../../../src/util/random.js';
import { useApiServer } from '../../../apiserver/helpers/apiserver.js';
import { useStore } from '../../../compat/helpers/store.js';
import { waitFor } from '../../../compat/helpers/wait.js';
import { kubectlAgainst, kubectlBinaries } from './kubectl-runner.js';

const store = useStore({ name: 'workloads' });
const api = useApiServer(store);

const kubectls = kubectlBinaries();

/** kubectlAsync runs kubectl against the test's API server. */
const kubectlAsync = kubectlAgainst(() => api().url);

const workloads: Controller = {
  name: 'workloads',
  run: async (ctx, signal) => {
    await Promise.all([replicaSetController().run(ctx, signal), deploymentController().run(ctx, signal), statefulSetController().run(ctx, signal)]);
  },
};

let client: RestClient;
let shutdown: AbortController;
let running: Promise<void>;
let healthPort: Promise<number>;
let pods: Informer<Pod>;
/** kubelet marks new pods Running and Ready, as a hollow node would once the pod started. */
const marking = new Set<string>();

function isReady(p: DeepReadonly<Pod>): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function markReady(p: DeepReadonly<Pod>): Promise<void> {
  const key = `${p.metadata.namespace}/${p.metadata.name}`;
  if (marking.has(key)) return;
  marking.add(key);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      let current: Pod;
      try {
        current = await client.get<Pod>(PODS, p.metadata.namespace, p.metadata.name ?? '');
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (current.metadata.deletionTimestamp || isReady(current)) return;
      const now = formatTime(Date.now());
      current.status = {
        ...(current.status ?? {}),
        phase: 'Running',
        podIP: '10.1.0.1',
        startTime: now,
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
          { type: 'Ready', status: 'True', lastTransitionTime: now },
        ],
      };
      try {
        await client.updateStatus<Pod>(PODS, current);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
  } finally {
    marking.delete(key);
  }
}

/** dbCreated records each app=db pod as it appears, with how many other db pods were live and ready then. */
const dbCreated: { name: string; readyBefore: number }[] = [];

/** Observer records, for pods labelled app=web, the most live pods and the fewest ready ones seen while armed. */
const observer = { armed: false, maxLive: 0, minReady: Number.POSITIVE_INFINITY, events: 0 };

function observe(): void {
  if (!observer.armed) return;
  const web = pods.cache.list().filter((p) => p.metadata.labels?.['app'] === 'web' && !p.metadata.deletionTimestamp);
  observer.events += 1;
  observer.maxLive = Math.max(observer.maxLive, web.length);
  observer.minReady = Math.min(observer.minReady, web.filter(isReady).length);
}

beforeAll(async () => {
  const random = new SeededRandom(7);
  client = new RestClient({ config: { server: api().url }, clock: systemClock, random });
  pods = new Informer<Pod>(listWatchFor<Pod>(client, PODS), { name: 'test-pods', clock: systemClock, random });
  pods.addEventHandler({
    onAdd: (p) => {
      if (p.metadata.labels?.['app'] === 'db') dbCreated.push({ name: p.metadata.name ?? '', readyBefore: livePods('db').filter((x) => x.metadata.name !== p.metadata.name && isReady(x)).length });
      observe();
      if (!isReady(p) && !p.metadata.deletionTimestamp) void markReady(p);
    },
    onUpdate: (_o, p) => {
      observe();
      if (!isReady(p) && !p.metadata.deletionTimestamp) void markReady(p);
    },
    onDelete: () => observe(),
  });
  pods.start();
  await pods.waitForSync(20_000);
  shutdown = new AbortController();
  let listening: (p: number) => void = () => {};
  healthPort = new Promise((resolve) => (listening = resolve));
  const flags = resolveComponentFlags({ master: api().url, leaderElect: 'false', identity: 'workloads-test', port: '0' }, { leaseName: 'kube-controller-manager', port: 0 });
  running = runComponent({ component: 'controller-manager', flags, work: workloads, clock: systemClock, random: new SeededRandom(11), log: silentLogger(), shutdown: shutdown.signal, onListening: listening });
}, 60_000);

afterAll(async () => {
  shutdown?.abort();
  await running;
  await pods?.stop();
  client?.close();
});

function deployment(name: string, replicas: number, image: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', annotations: { 'kubernetes.io/change-cause': `create ${image}` } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

function livePods(label: string): DeepReadonly<Pod>[] {
  return pods.cache.list().filter((p) => p.metadata.labels?.['app'] === label && !p.metadata.deletionTimestamp);
}

async function waitForPods(label: string, n: number, what: string, extra: (ps: DeepReadonly<Pod>[]) => boolean = () => true): Promise<DeepReadonly<Pod>[]> {
  return waitFor(
    () => {
      const ps = livePods(label);
      return ps.length === n && ps.every(isReady) && extra(ps) ? ps : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 50, what: `${what} (have ${livePods(label).length})` },
  );
}

async function waitForDeployment(name: string, replicas: number): Promise<Deployment> {
  return waitFor(
    async () => {
      const d = await client.get<Deployment>(DEPLOYMENTS, 'default', name);
      const s = d.status ?? {};
      return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.replicas === replicas && s.updatedReplicas === replicas && s.availableReplicas === replicas ? d : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `deployment ${name} at ${replicas} available` },
  );
}

async function scaleTo(name: string, replicas: number): Promise<void> {
  await client.patch(DEPLOYMENTS, 'default', name, 'merge', { spec: { replicas } });
}

describe('workload controllers against a real API server', () => {
  it('a Deployment of 10 gets 10 pods owned by its ReplicaSet, scales to 30 and back to 10', async () => {
    await client.create(DEPLOYMENTS, 'default', deployment('web', 10, 'nginx:1.25'));
    const ps = await waitForPods('web', 10, '10 ready web pods');
    const rsList = (await client.list<ReplicaSet>(REPLICA_SETS, 'default', { labelSelector: 'app=web' })).items;
    expect(rsList).toHaveLength(1);
    const rs = rsList[0]!;
    expect(rs.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', controller: true, blockOwnerDeletion: true })]);
    for (const p of ps) {
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.metadata.name?.startsWith(`${rs.metadata.name}-`)).toBe(true);
    }
    const d = await waitForDeployment('web', 10);
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    const rsNow = await client.get<ReplicaSet>(REPLICA_SETS, 'default', rs.metadata.name ?? '');
    expect(rsNow.status).toMatchObject({ replicas: 10, fullyLabeledReplicas: 10, readyReplicas: 10, availableReplicas: 10, observedGeneration: rsNow.metadata.generation });

    await scaleTo('web', 30);
    await waitForPods('web', 30, '30 ready web pods');
    await waitForDeployment('web', 30);
    await scaleTo('web', 10);
    await waitForPods('web', 10, 'back to 10 web pods');
    await waitForDeployment('web', 10);
    const journal = (await (await fetch(`http://127.0.0.1:${await healthPort}/debug/journal`)).json()) as { action: string }[];
    expect(journal.filter((e) => e.action === 'create-pod').length).toBeGreaterThanOrEqual(30);
    expect(journal.filter((e) => e.action === 'delete-pod').length).toBeGreaterThanOrEqual(20);

    // the Events kubectl describe shows: the Deployment's scaling, the ReplicaSet's pod creations and deletions
    const events = (name: string, reason: string): Promise<Event[]> => client.list<Event>(EVENTS, 'default', { fieldSelector: `involvedObject.name=${name},reason=${reason}` }).then((l) => l.items);
    const rsName = rs.metadata.name ?? '';
    const scaling = await waitFor(async () => {
      const evs = await events('web', 'ScalingReplicaSet');
      return evs.length >= 3 ? evs : undefined;
    }, { timeoutMs: 10_000, what: 'three ScalingReplicaSet events' });
    expect(scaling.map((e) => e.message).sort()).toEqual([`Scaled down replica set ${rsName} from 30 to 10`, `Scaled up replica set ${rsName} from 0 to 10`, `Scaled up replica set ${rsName} from 10 to 30`]);
    expect(scaling[0]).toMatchObject({ type: 'Normal', count: 1, source: { component: 'deployment-controller' }, involvedObject: { kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'default', name: 'web', uid: d.metadata.uid } });
    // as client-go's correlator: 9 distinct messages each, then one Event combining the rest, counted up; the
    // spam filter passes 25 per object and reason, so of 30 creates 5 are dropped, of 20 deletes none
    const correlated = async (reason: string, combinedCount: number): Promise<Event[]> =>
      waitFor(async () => {
        const evs = await events(rsName, reason);
        const combined = evs.filter((e) => e.message?.startsWith(COMBINED_PREFIX));
        return evs.length === 10 && combined.length === 1 && combined[0]!.count === combinedCount ? evs : undefined;
      }, { timeoutMs: 10_000, what: `9 ${reason} events and one combining ${combinedCount} more` });
    const created = await correlated('SuccessfulCreate', 16);
    const deleted = await correlated('SuccessfulDelete', 11);
    for (const e of [...created, ...deleted]) {
      expect(e.message).toMatch(new RegExp(`^(\\(combined from similar events\\): )?(Created|Deleted) pod: ${rsName}-[a-z0-9]{5}$`));
      expect(e).toMatchObject({ type: 'Normal', source: { component: 'replicaset-controller' }, involvedObject: { kind: 'ReplicaSet', apiVersion: 'apps/v1', name: rsName, uid: rs.metadata.uid } });
      if (!e.message!.startsWith(COMBINED_PREFIX)) expect(e.count).toBe(1);
    }
    const first = new Set(ps.map((p) => `Created pod: ${p.metadata.name ?? ''}`));
    expect(created.filter((e) => first.has(e.message ?? ''))).toHaveLength(9);
  }, 120_000);

  it('a rolling update stays within maxSurge and maxUnavailable at every observed moment; kubectl rollout status, history and undo work', async () => {
    expect(kubectls.length).toBeGreaterThan(0);
    for (const k of kubectls) {
      const status = await kubectlAsync(k.path, ['rollout', 'status', 'deployment/web', '--timeout=60s']);
      expect([k.name, status.code, status.stdout]).toEqual([k.name, 0, expect.stringContaining('successfully rolled out')]);
    }
    observer.armed = true;
    observer.maxLive = 0;
    observer.minReady = Number.POSITIVE_INFINITY;
    const d = await client.get<Deployment>(DEPLOYMENTS, 'default', 'web');
    d.spec!.template.spec!.containers[0]!.image = 'nginx:1.26';
    d.metadata.annotations = { ...(d.metadata.annotations ?? {}), 'kubernetes.io/change-cause': 'update nginx:1.26' };
    await client.update(DEPLOYMENTS, d);
    const k0 = kubectls[0]!;
    const status = await kubectlAsync(k0.path, ['rollout', 'status', 'deployment/web', '--timeout=90s']);
    expect([status.code, status.stderr]).toEqual([0, '']);
    expect(status.stdout).toContain('successfully rolled out');
    const ps = await waitForPods('web', 10, '10 web pods on nginx:1.26', (l) => l.every((p) => p.spec?.containers[0]?.image === 'nginx:1.26'));
    observer.armed = false;
    expect(ps).toHaveLength(10);
    expect(observer.events).toBeGreaterThan(20);
    expect(observer.maxLive).toBeLessThanOrEqual(13); // 10 + ceil(25 % of 10)
    expect(observer.minReady).toBeGreaterThanOrEqual(8); // 10 - floor(25 % of 10)
    const rsList = (await client.list<ReplicaSet>(REPLICA_SETS, 'default', { labelSelector: 'app=web' })).items;
    expect(rsList.map((r) => [r.metadata.annotations?.['deployment.kubernetes.io/revision'], r.spec?.replicas]).sort()).toEqual([
      ['1', 0],
      ['2', 10],
    ]);

    for (const k of kubectls) {
      const history = await kubectlAsync(k.path, ['rollout', 'history', 'deployment/web']);
      expect([k.name, history.code]).toEqual([k.name, 0]);
      expect(history.stdout).toMatch(/1\s+create nginx:1\.25/);
      expect(history.stdout).toMatch(/2\s+update nginx:1\.26/);
    }
    const undo = await kubectlAsync(kubectls[kubectls.length - 1]!.path, ['rollout', 'undo', 'deployment/web']);
    expect([undo.code, undo.stderr]).toEqual([0, '']);
    for (const k of kubectls) {
      const back = await kubectlAsync(k.path, ['rollout', 'status', 'deployment/web', '--timeout=90s']);
      expect([k.name, back.code]).toEqual([k.name, 0]);
    }
    await waitForPods('web', 10, '10 web pods back on nginx:1.25', (l) => l.every((p) => p.spec?.containers[0]?.image === 'nginx:1.25'));
    const after = await waitForDeployment('web', 10);
    expect(after.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  }, 240_000);

  it('a StatefulSet makes db-0, db-1, db-2 in order, each once the one before is ready; scales down from the top; rolls out highest first; kubectl rollout status, history and undo work', async () => {
    const set: StatefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default', annotations: { 'kubernetes.io/change-cause': 'create v1' } },
      spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:v1' }] } }, replicas: 3 },
    };
    await client.create(STATEFUL_SETS, 'default', set);
    for (const k of kubectls) {
      const status = await kubectlAsync(k.path, ['rollout', 'status', 'statefulset/db', '--timeout=60s']);
      expect([k.name, status.code, status.stdout]).toEqual([k.name, 0, expect.stringContaining('3 new pods have been updated')]);
    }
    const first = await waitForPods('db', 3, 'db-0..2 ready');
    expect(first.map((p) => [p.metadata.name, p.spec?.hostname, p.spec?.subdomain, p.metadata.labels?.['apps.kubernetes.io/pod-index']]).sort()).toEqual([
      ['db-0', 'db-0', 'db', '0'],
      ['db-1', 'db-1', 'db', '1'],
      ['db-2', 'db-2', 'db', '2'],
    ]);
    expect(dbCreated).toEqual([
      { name: 'db-0', readyBefore: 0 },
      { name: 'db-1', readyBefore: 1 },
      { name: 'db-2', readyBefore: 2 },
    ]);

    // scale to 5 and down to 2: the highest ordinals go
    await client.patch(STATEFUL_SETS, 'default', 'db', 'merge', { spec: { replicas: 5 } });
    await waitForPods('db', 5, 'db-0..4 ready');
    expect(dbCreated.slice(3).map((c) => c.name)).toEqual(['db-3', 'db-4']);
    await client.patch(STATEFUL_SETS, 'default', 'db', 'merge', { spec: { replicas: 2 } });
    const two = await waitForPods('db', 2, 'db-0 and db-1 left');
    expect(two.map((p) => p.metadata.name).sort()).toEqual(['db-0', 'db-1']);

    // a rolling update replaces db-1, then db-0
    const before = dbCreated.length;
    // A patch, as kubectl set image sends: the controller's status writes cannot make it conflict.
    await client.patch(STATEFUL_SETS, 'default', 'db', 'strategic', {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'update v2' } },
      spec: { template: { spec: { containers: [{ name: 'db', image: 'db:v2' }] } } },
    });
    const k0 = kubectls[0]!;
    const rolled = await kubectlAsync(k0.path, ['rollout', 'status', 'statefulset/db', '--timeout=90s']);
    expect([rolled.code, rolled.stderr]).toEqual([0, '']);
    await waitForPods('db', 2, 'db on v2', (l) => l.every((p) => p.spec?.containers[0]?.image === 'db:v2'));
    expect(dbCreated.slice(before).map((c) => c.name)).toEqual(['db-1', 'db-0']);
    const done = await waitFor(
      async () => {
        const s = await client.get<StatefulSet>(STATEFUL_SETS, 'default', 'db');
        return s.status?.currentRevision !== undefined && s.status.currentRevision === s.status.updateRevision && s.status.updatedReplicas === 2 ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'db rolled out' },
    );
    expect(done.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, observedGeneration: done.metadata.generation });

    for (const k of kubectls) {
      const history = await kubectlAsync(k.path, ['rollout', 'history', 'statefulset/db']);
      expect([k.name, history.code]).toEqual([k.name, 0]);
      expect(history.stdout).toMatch(/1\s+create v1/);
      expect(history.stdout).toMatch(/2\s+update v2/);
    }
    const undo = await kubectlAsync(kubectls[kubectls.length - 1]!.path, ['rollout', 'undo', 'statefulset/db']);
    expect([undo.code, undo.stderr]).toEqual([0, '']);
    await waitForPods('db', 2, 'db back on v1', (l) => l.every((p) => p.spec?.containers[0]?.image === 'db:v1'));
    const back = await kubectlAsync(k0.path, ['rollout', 'status', 'statefulset/db', '--timeout=90s']);
    expect(back.code).toBe(0);
  }, 240_000);

  it('a ReplicaSet replaces deleted pods, adopts a matching orphan and releases a pod that stops matching', async () => {
    const orphan: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'default', labels: { app: 'solo' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await client.create(PODS, 'default', orphan);
    // As Kubernetes' own e2e test of adoption: the orphan runs before the ReplicaSet exists. Otherwise the
    // controller's pod informer may not have it yet when it first syncs the ReplicaSet (pods and ReplicaSets
    // come on separate watches), and it rightly creates three pods and deletes the surplus later.
    await waitForPods('solo', 1, 'the orphan running');
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'solo', namespace: 'default' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'solo' } }, template: { metadata: { labels: { app: 'solo' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    const created = await client.create(REPLICA_SETS, 'default', rs);
    const three = await waitForPods('solo', 3, '3 solo pods', (ps) => ps.every((p) => p.metadata.ownerReferences?.[0]?.uid === created.metadata.uid));
    expect(three.map((p) => p.metadata.name)).toContain('orphan');

    const victims = three.filter((p) => p.metadata.name !== 'orphan').map((p) => p.metadata.name ?? '');
    await Promise.all(victims.map((n) => client.delete(PODS, 'default', n)));
    const replaced = await waitForPods('solo', 3, 'deleted solo pods replaced', (ps) => ps.every((p) => !victims.includes(p.metadata.name ?? '')));
    expect(replaced.map((p) => p.metadata.name)).toContain('orphan');

    await client.patch(PODS, 'default', 'orphan', 'merge', { metadata: { labels: { app: 'solo-released' } } });
    await waitForPods('solo', 3, 'a replacement for the released pod', (ps) => ps.every((p) => p.metadata.name !== 'orphan'));
    const released = await waitFor(
      async () => {
        const p = await client.get<Pod>(PODS, 'default', 'orphan');
        return (p.metadata.ownerReferences ?? []).length === 0 ? p : undefined;
      },
      { timeoutMs: 20_000, what: 'the orphan released' },
    );
    expect(released.metadata.labels).toEqual({ app: 'solo-released' });
    const status = await waitFor(
      async () => {
        const r = await client.get<ReplicaSet>(REPLICA_SETS, 'default', 'solo');
        return r.status?.readyReplicas === 3 ? r.status : undefined;
      },
      { timeoutMs: 20_000, what: 'solo status' },
    );
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
  }, 120_000);
});
