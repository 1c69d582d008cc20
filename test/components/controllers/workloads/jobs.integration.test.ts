/**
 * The Job and TTL-after-finished controllers (with the garbage collector) against a real store process and a real
 * `capstan apiserver`, run in-process by runComponent. A simulated kubelet in the test runs every new pod and then,
 * as its `outcome` label says, lets it succeed, fail or keep running. Proven: a Job of 3 completions at parallelism 2
 * never has more than 2 pods active, completes (SuccessCriteriaMet, then Complete with completionTime) and leaves no
 * pod holding the tracking finalizer, and `kubectl wait --for=condition=complete` returns; a failing Job creates its
 * replacement only after the 10 s pod-failure back-off and fails with BackoffLimitExceeded; a podFailurePolicy
 * FailJob rule fails a Job at the first matching exit with kube's message; an Indexed Job runs one
 * pod per index and records completedIndexes, and one whose successPolicy is met completes with its other pods
 * deleted; a suspended Job creates no pods until resumed and deletes them (not
 * counted as failures) when suspended again; activeDeadlineSeconds fails a Job and its running pods are deleted and
 * counted as failed; ttlSecondsAfterFinished deletes a finished Job with its pods; pod GC fails and deletes a pod
 * bound to a node that does not exist; deleting a running Job removes its
 * pods even though they carry the finalizer, and deleting one without a policy keeps them (batch/v1 orphans).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTime, parseTime, type CronJob, type DeepReadonly, type Event, type Job, type Pod } from '../../../../src/api/index.js';
import { garbageCollector } from '../../../../src/components/controllers/garbagecollector/garbage-collector.js';
import { podGcController } from '../../../../src/components/controllers/podgc/pod-gc-controller.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER } from '../../../../src/components/controllers/workloads/job-sync.js';
import { cronJobController, jobController, ttlAfterFinishedController } from '../../../../src/components/controllers/workloads/index.js';
import { CRON_JOB_SCHEDULED_TIMESTAMP_ANNOTATION } from '../../../../src/components/controllers/workloads/cron-job-sync.js';
import { isConflict, isNotFound } from '../../../../src/components/client/errors.js';
import { Informer } from '../../../../src/components/client/informer.js';
import { listWatchFor } from '../../../../src/components/client/reflector.js';
import { CRON_JOBS, EVENTS, JOBS, PODS } from '../../../../src/components/client/resource.js';
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

const store = useStore({ name: 'jobs' });
const api = useApiServer(store);

const kubectls = kubectlBinaries();

/** kubectlAsync runs kubectl against the test's API server. */
const kubectlAsync = kubectlAgainst(() => api().url);

const controllers: Controller = {
  name: 'jobs',
  run: async (ctx, signal) => {
    await Promise.all([jobController().run(ctx, signal), cronJobController().run(ctx, signal), ttlAfterFinishedController().run(ctx, signal), garbageCollector({ workers: 4 }).run(ctx, signal), podGcController({ checkPeriodMs: 500, quarantineMs: 1_000 }).run(ctx, signal)]);
  },
};

let client: RestClient;
let shutdown: AbortController;
let running: Promise<void>;
let pods: Informer<Pod>;
const stepping = new Set<string>();
/** maxActive records, per Job name, the most pods seen active (not finished, not being deleted) at once. */
const maxActive = new Map<string, number>();

function isTerminal(p: DeepReadonly<Pod>): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/** waitForJobGone waits until the API server no longer has the Job. */
async function waitForJobGone(name: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        await client.get<Job>(JOBS, 'default', name);
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `job ${name} deleted` },
  );
}

function jobPods(name: string): DeepReadonly<Pod>[] {
  return pods.cache.list().filter((p) => p.metadata.ownerReferences?.some((r) => r.kind === 'Job' && r.name === name));
}

function observe(p: DeepReadonly<Pod>): void {
  const owner = p.metadata.ownerReferences?.find((r) => r.kind === 'Job')?.name;
  if (owner === undefined) return;
  const active = jobPods(owner).filter((x) => !isTerminal(x) && !x.metadata.deletionTimestamp).length;
  maxActive.set(owner, Math.max(maxActive.get(owner) ?? 0, active));
}

/**
 * step moves a pod as a kubelet would: to Running and Ready, then (per its outcome label) to its end — both steps
 * in one go, as the echo of the first write may arrive while this pod is still being stepped.
 */
async function step(p: DeepReadonly<Pod>): Promise<void> {
  const key = `${p.metadata.namespace}/${p.metadata.name}`;
  if (stepping.has(key) || isTerminal(p) || p.metadata.deletionTimestamp) return;
  const labelled = p.metadata.labels?.['outcome'] ?? 'run';
  // `first-succeeds`: the pod of index 0 succeeds, the others run on.
  const outcome = labelled === 'first-succeeds' ? (p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] === '0' ? 'succeed' : 'run') : labelled;
  if (p.status?.phase === 'Running' && outcome === 'run') return;
  stepping.add(key);
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      let current: Pod;
      try {
        current = await client.get<Pod>(PODS, p.metadata.namespace, p.metadata.name ?? '');
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (current.metadata.deletionTimestamp || isTerminal(current)) return;
      if (current.status?.phase === 'Running' && outcome === 'run') return;
      const now = formatTime(Date.now());
      if (current.status?.phase !== 'Running') {
        current.status = {
          phase: 'Running',
          podIP: '10.1.0.1',
          startTime: now,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
          containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'perl', imageID: '', state: { running: { startedAt: now } } }],
        };
      } else {
        const code = outcome === 'fail' ? 1 : 0;
        current.status = {
          ...current.status,
          phase: code === 0 ? 'Succeeded' : 'Failed',
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now, reason: 'PodCompleted' }],
          containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: 'perl', imageID: '', state: { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now } } }],
        };
      }
      try {
        await client.updateStatus<Pod>(PODS, current);
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
  } finally {
    stepping.delete(key);
  }
}

beforeAll(async () => {
  const random = new SeededRandom(17);
  client = new RestClient({ config: { server: api().url }, clock: systemClock, random });
  pods = new Informer<Pod>(listWatchFor<Pod>(client, PODS), { name: 'test-pods', clock: systemClock, random });
  pods.addEventHandler({
    onAdd: (p) => {
      observe(p);
      void step(p);
    },
    onUpdate: (_o, p) => {
      observe(p);
      void step(p);
    },
  });
  pods.start();
  await pods.waitForSync(20_000);
  shutdown = new AbortController();
  const flags = resolveComponentFlags({ master: api().url, leaderElect: 'false', identity: 'jobs-test', port: '0' }, { leaseName: 'kube-controller-manager', port: 0 });
  running = runComponent({ component: 'controller-manager', flags, work: controllers, clock: systemClock, random: new SeededRandom(19), log: silentLogger(), shutdown: shutdown.signal });
}, 60_000);

afterAll(async () => {
  shutdown?.abort();
  await running;
  await pods?.stop();
  client?.close();
});

function newJob(name: string, outcome: 'succeed' | 'fail' | 'run' | 'first-succeeds', spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: { metadata: { labels: { outcome } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'perl' }] } },
      ...spec,
    },
  };
}

async function waitForJob(name: string, what: string, done: (j: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
  return waitFor(
    async () => {
      const j = await client.get<Job>(JOBS, 'default', name);
      return done(j) ? j : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `job ${name}: ${what}` },
  );
}

/** jobsOf lists the Jobs a CronJob controls (from the API server). */
async function jobsOf(uid: string): Promise<Job[]> {
  const list = await client.list<Job>(JOBS, 'default');
  return list.items.filter((j) => j.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === uid));
}

function condition(j: Job, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return j.status?.conditions?.find((c) => c.type === type);
}

async function jobEvents(name: string, kind = 'Job'): Promise<Event[]> {
  const list = await client.list<Event>(EVENTS, 'default');
  return list.items.filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name);
}

describe('the Job controller against a real API server', () => {
  it('a Job of 3 completions at parallelism 2 never runs more than 2 pods and completes; kubectl wait returns', async () => {
    await client.create<Job>(JOBS, 'default', newJob('pi', 'succeed', { completions: 3, parallelism: 2 }));
    const waits = kubectls.map((k) => kubectlAsync(k.path, ['wait', '--for=condition=complete', 'job/pi', '--timeout=60s']));
    const done = await waitForJob('pi', 'Complete', (j) => condition(j, 'Complete')?.status === 'True');
    expect(done.status?.succeeded).toBe(3);
    expect(done.status?.failed ?? 0).toBe(0);
    expect(done.status?.active ?? 0).toBe(0);
    expect(condition(done, 'SuccessCriteriaMet')).toMatchObject({ status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    expect(condition(done, 'Complete')).toMatchObject({ reason: 'CompletionsReached' });
    expect(parseTime(done.status?.completionTime ?? '')).toBeGreaterThanOrEqual(parseTime(done.status?.startTime ?? ''));
    expect(done.status?.uncountedTerminatedPods ?? {}).toEqual({});
    expect(maxActive.get('pi')).toBeLessThanOrEqual(2);
    const ps = await waitFor(() => {
      const list = jobPods('pi');
      return list.length === 3 && list.every((p) => !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) ? list : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, what: 'pi pods without the tracking finalizer' });
    expect(ps.every((p) => p.status?.phase === 'Succeeded')).toBe(true);
    const events = await waitFor(async () => {
      const es = await jobEvents('pi');
      return es.some((e) => e.reason === 'Completed') ? es : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200, what: 'Completed event' });
    expect(events.find((e) => e.reason === 'Completed')?.message).toBe('Job completed');
    expect(events.filter((e) => e.reason === 'SuccessfulCreate').reduce((n, e) => n + (e.count ?? 1), 0)).toBe(3);
    for (const [i, w] of (await Promise.all(waits)).entries()) {
      expect(w.code, `${kubectls[i]!.name}: ${w.stderr}`).toBe(0);
      expect(w.stdout).toContain('job.batch/pi condition met');
    }
  });

  it('a failing Job replaces its pod only after the pod-failure back-off and fails with BackoffLimitExceeded', async () => {
    await client.create<Job>(JOBS, 'default', newJob('flaky', 'fail', { backoffLimit: 1 }));
    const failed = await waitForJob('flaky', 'Failed', (j) => condition(j, 'Failed')?.status === 'True', 90_000);
    expect(failed.status?.failed).toBe(2);
    expect(condition(failed, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(failed.status?.completionTime).toBeUndefined();
    const ps = jobPods('flaky').sort((a, b) => parseTime(a.metadata.creationTimestamp ?? '') - parseTime(b.metadata.creationTimestamp ?? ''));
    expect(ps).toHaveLength(2);
    const firstEnded = parseTime(ps[0]!.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt ?? '');
    // Timestamps have whole seconds: the second pod comes ≥ 10 s after the first one's end, give or take one.
    expect(parseTime(ps[1]!.metadata.creationTimestamp ?? '') - firstEnded).toBeGreaterThanOrEqual(9_000);
    const events = await waitFor(async () => {
      const es = await jobEvents('flaky');
      return es.some((e) => e.reason === 'BackoffLimitExceeded') ? es : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200, what: 'BackoffLimitExceeded event' });
    expect(events.find((e) => e.reason === 'BackoffLimitExceeded')).toMatchObject({ type: 'Warning', message: 'Job has reached the specified backoff limit' });
  }, 120_000);

  it('a podFailurePolicy FailJob rule fails the Job at the first matching exit, without the back-off', async () => {
    await client.create<Job>(JOBS, 'default', newJob('strict', 'fail', { backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [1] } }] } }));
    const failed = await waitForJob('strict', 'Failed', (j) => condition(j, 'Failed')?.status === 'True', 30_000);
    const pod = jobPods('strict')[0]!;
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'PodFailurePolicy', message: `Container c for pod default/${pod.metadata.name!} failed with exit code 1 matching FailJob rule at index 0` });
    expect(failed.status?.failed).toBe(1);
    expect(jobPods('strict')).toHaveLength(1);
  });

  it('an Indexed Job runs one pod per index, with its hostname and env, and records completedIndexes', async () => {
    await client.create<Job>(JOBS, 'default', newJob('idx', 'succeed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const done = await waitForJob('idx', 'Complete', (j) => condition(j, 'Complete')?.status === 'True');
    expect(done.status?.completedIndexes).toBe('0-2');
    expect(done.status?.succeeded).toBe(3);
    const ps = jobPods('idx');
    expect(ps.map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort()).toEqual(['0', '1', '2']);
    for (const p of ps) {
      const ix = p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? '';
      expect(p.metadata.labels?.[JOB_COMPLETION_INDEX_ANNOTATION]).toBe(ix);
      expect(p.metadata.name?.startsWith(`idx-${ix}-`)).toBe(true);
      expect(p.spec?.hostname).toBe(`idx-${ix}`);
      expect(p.spec?.containers[0]?.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX')).toBe(true);
    }
  });

  it('an Indexed Job whose successPolicy is met gets SuccessCriteriaMet, its other pods deleted, then Complete', async () => {
    const spec = { completions: 3, parallelism: 3, completionMode: 'Indexed' as const, successPolicy: { rules: [{ succeededIndexes: '0' }] } };
    await client.create<Job>(JOBS, 'default', newJob('lead', 'first-succeeds', spec));
    const done = await waitForJob('lead', 'Complete', (j) => condition(j, 'Complete')?.status === 'True');
    expect(condition(done, 'SuccessCriteriaMet')).toMatchObject({ status: 'True', reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(condition(done, 'Complete')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(done.status?.completedIndexes).toBe('0');
    expect(done.status?.succeeded).toBe(1);
    expect(done.status?.active ?? 0).toBe(0);
    expect(done.status?.completionTime).toBeTruthy();
    await waitFor(() => (jobPods('lead').every((p) => isTerminal(p)) ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'lead: only the finished pod left' });
  });

  it('a suspended Job creates no pods until resumed, deleting its pods on suspension counts no failure, and it resumes again', async () => {
    await client.create<Job>(JOBS, 'default', newJob('sleepy', 'run', { parallelism: 2, completions: 4, suspend: true }));
    const suspended = await waitForJob('sleepy', 'Suspended', (j) => condition(j, 'Suspended')?.status === 'True');
    expect(condition(suspended, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(suspended.status?.startTime).toBeUndefined();
    expect(jobPods('sleepy')).toHaveLength(0);
    await client.patch(JOBS, 'default', 'sleepy', 'merge', { spec: { suspend: false } });
    const resumed = await waitForJob('sleepy', 'resumed with 2 active', (j) => condition(j, 'Suspended')?.status === 'False' && j.status?.active === 2 && j.status.ready === 2);
    expect(condition(resumed, 'Suspended')).toMatchObject({ reason: 'JobResumed', message: 'Job resumed' });
    expect(resumed.status?.startTime).toBeDefined();
    await client.patch(JOBS, 'default', 'sleepy', 'merge', { spec: { suspend: true } });
    const again = await waitForJob('sleepy', 'suspended with no pods', (j) => condition(j, 'Suspended')?.status === 'True' && (j.status?.active ?? 0) === 0);
    expect(again.status?.failed ?? 0).toBe(0);
    await waitFor(() => (jobPods('sleepy').length === 0 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'sleepy pods gone' });
    // Resuming a Job that had started restarts its startTime (activeDeadlineSeconds counts continuous activity).
    await client.patch(JOBS, 'default', 'sleepy', 'merge', { spec: { suspend: false } });
    const again2 = await waitForJob('sleepy', 'resumed again with 2 active', (j) => condition(j, 'Suspended')?.status === 'False' && j.status?.active === 2);
    expect(parseTime(again2.status?.startTime ?? '')).toBeGreaterThanOrEqual(parseTime(resumed.status?.startTime ?? ''));
    const events = await jobEvents('sleepy');
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Suspended', 'Resumed', 'SuccessfulDelete']));
  });

  it('activeDeadlineSeconds fails a Job whose pods outlive it; they are deleted and counted as failed', async () => {
    await client.create<Job>(JOBS, 'default', newJob('slow', 'run', { parallelism: 2, completions: 2, activeDeadlineSeconds: 2 }));
    const failed = await waitForJob('slow', 'Failed', (j) => condition(j, 'Failed')?.status === 'True', 30_000);
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(failed.status?.failed).toBe(2);
    expect(failed.status?.active ?? 0).toBe(0);
    await waitFor(() => (jobPods('slow').length === 0 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'slow pods gone' });
  });

  it('ttlSecondsAfterFinished 0 deletes a finished Job and its pods', async () => {
    await client.create<Job>(JOBS, 'default', newJob('brief', 'succeed', { ttlSecondsAfterFinished: 0 }));
    await waitForJobGone('brief');
    await waitFor(() => (jobPods('brief').length === 0 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'brief pods gone' });
  });

  it('a CronJob creates its Job on schedule, sees it complete, and stops while suspended; kubectl create job --from works', async () => {
    const cronJob: CronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default' },
      spec: { schedule: '@every 2s', jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: newJob('x', 'succeed').spec! } },
    };
    const created = await client.create<CronJob>(CRON_JOBS, 'default', cronJob);
    const job = await waitFor(async () => (await jobsOf(created.metadata.uid!))[0], { timeoutMs: 30_000, intervalMs: 100, what: 'a Job of the CronJob' });
    // Stop further runs; the one made runs to completion.
    await client.patch(CRON_JOBS, 'default', 'tick', 'merge', { spec: { suspend: true } });
    const scheduledAt = job.metadata.annotations?.[CRON_JOB_SCHEDULED_TIMESTAMP_ANNOTATION] ?? '';
    expect(job.metadata.name).toBe(`tick-${Math.floor(parseTime(scheduledAt) / 60_000)}`);
    expect(job.metadata.labels).toMatchObject({ app: 'tick' });
    expect(parseTime(scheduledAt)).toBeGreaterThanOrEqual(parseTime(created.metadata.creationTimestamp ?? '') + 2_000);
    const done = await waitFor(
      async () => {
        const cj = await client.get<CronJob>(CRON_JOBS, 'default', 'tick');
        return cj.status?.lastSuccessfulTime !== undefined && (cj.status.active ?? []).length === 0 ? cj : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the CronJob to see its Job complete' },
    );
    expect(done.status?.lastScheduleTime).toBeDefined();
    const events = await jobEvents('tick', 'CronJob');
    expect(events.map((e) => e.message)).toEqual(expect.arrayContaining([`Created job ${job.metadata.name!}`, `Saw completed job: ${job.metadata.name!}, condition: Complete`]));
    const before = (await jobsOf(created.metadata.uid!)).length;
    // kubectl 1.20 reads CronJobs as batch/v1beta1 for --from, which kube stopped serving in 1.25 (as capstan does).
    const modern = kubectls.filter((k) => !k.name.includes('1.20'));
    for (const k of modern) {
      const name = 'manual-tick';
      const r = await kubectlAsync(k.path, ['create', 'job', name, '--from=cronjob/tick']);
      expect(r.code, `${k.name}: ${r.stderr}`).toBe(0);
      await waitForJob(name, 'Complete', (j) => condition(j, 'Complete')?.status === 'True');
    }
    // Suspended: no Job of its own schedule was added meanwhile (kubectl makes the CronJob the manual ones' controller).
    const after = await jobsOf(created.metadata.uid!);
    expect(after.length).toBe(before + modern.length);
    expect(after.filter((j) => j.metadata.annotations?.['cronjob.kubernetes.io/instantiate'] === 'manual')).toHaveLength(modern.length);
  });

  it('pod GC marks a pod on a node that does not exist Failed (DisruptionTarget) and deletes it', async () => {
    const phases: string[] = [];
    const reg = pods.addEventHandler({ onUpdate: (_o, p) => (p.metadata.name === 'stray' ? phases.push(`${p.status?.phase ?? ''}:${p.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason ?? ''}`) : undefined) });
    try {
      await client.create<Pod>(PODS, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { outcome: 'run' } }, spec: { nodeName: 'no-such-node', containers: [{ name: 'c', image: 'perl' }] } });
      await waitFor(() => (pods.cache.get('default/stray') === undefined && phases.length > 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50, what: 'stray pod collected' });
      expect(phases).toContain('Failed:DeletionByPodGC');
    } finally {
      reg.remove();
    }
  });

  it('deleting a running Job removes its pods although they carry the tracking finalizer', async () => {
    await client.create<Job>(JOBS, 'default', newJob('doomed', 'run', { parallelism: 2, completions: 2 }));
    await waitForJob('doomed', '2 ready', (j) => j.status?.ready === 2);
    expect(jobPods('doomed').every((p) => (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER))).toBe(true);
    await client.delete(JOBS, 'default', 'doomed', { propagationPolicy: 'Background' });
    await waitFor(() => (jobPods('doomed').length === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50, what: 'doomed pods gone' });
  });

  it('deleting a Job without a policy orphans its pods, as batch/v1 does: they keep running, without owner or finalizer', async () => {
    await client.create<Job>(JOBS, 'default', newJob('kept', 'run', { parallelism: 2, completions: 2 }));
    const job = await waitForJob('kept', '2 ready', (j) => j.status?.ready === 2);
    const names = jobPods('kept').map((p) => p.metadata.name ?? '');
    expect(names).toHaveLength(2);
    await client.delete(JOBS, 'default', 'kept');
    await waitForJobGone('kept');
    const freed = (p: DeepReadonly<Pod> | undefined): boolean =>
      p !== undefined && !(p.metadata.ownerReferences ?? []).some((r) => r.uid === job.metadata.uid) && !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
    await waitFor(() => (names.every((n) => freed(pods.cache.get(`default/${n}`))) ? true : undefined), { timeoutMs: 30_000, intervalMs: 50, what: 'kept pods orphaned and freed of the finalizer' });
    expect(names.map((n) => pods.cache.get(`default/${n}`)?.metadata.deletionTimestamp ?? null)).toEqual([null, null]);
    for (const n of names) await client.delete(PODS, 'default', n, { gracePeriodSeconds: 0 });
  });
});
