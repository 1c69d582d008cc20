/**
 * The Job controller's pure decisions, as kube's job_controller_test and indexed_job_utils_test: how many pods
 * should be active, which to delete and which indexes to create; completed indexes as intervals; the pod-failure
 * back-off; which finished pods a sync records and frees of the tracking finalizer, and how uncounted pods move
 * into the counters; the pods a Job creates; conditions changed only when something differs.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, type Job, type Pod } from '../../../../src/api/index.js';
import {
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_TRACKING_FINALIZER,
  activePodsForRemoval,
  backoffRemainingMs,
  cleanUncounted,
  ensureCondition,
  firstPendingIndexes,
  formatIntervals,
  countedFailures,
  failJobMessage,
  isPodFailed,
  matchPodFailurePolicy,
  matchSuccessPolicy,
  newFinishedPods,
  nextBackoffRecord,
  parseIntervals,
  pastBackoffLimitOnFailure,
  planTracking,
  podForJob,
  podGenerateNameWithIndex,
  succeededIndexes,
  wantActive,
  withIndexes,
} from '../../../../src/components/controllers/workloads/job-sync.js';
import { T0 } from './fixtures.js';

function job(o: { completions?: number | null; parallelism?: number; indexed?: boolean; restartPolicy?: 'Never' | 'OnFailure'; backoffLimit?: number; replaceFailedOnly?: boolean; status?: Job['status'] } = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'uid-pi' },
    spec: {
      ...(o.completions === null ? {} : { completions: o.completions ?? 3 }),
      parallelism: o.parallelism ?? 2,
      backoffLimit: o.backoffLimit ?? 6,
      completionMode: o.indexed === true ? 'Indexed' : 'NonIndexed',
      ...(o.replaceFailedOnly === true ? { podReplacementPolicy: 'Failed' as const } : {}),
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-pi' } },
      template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'uid-pi' } }, spec: { restartPolicy: o.restartPolicy ?? 'Never', containers: [{ name: 'c', image: 'perl' }] } },
    },
    status: o.status ?? {},
  };
}

function pod(name: string, o: { phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed'; index?: number; finalizer?: boolean; deleting?: boolean; finishedAt?: number; restarts?: number; ready?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: formatTime(T0),
      ...(o.index === undefined ? {} : { annotations: { [JOB_COMPLETION_INDEX_ANNOTATION]: String(o.index) } }),
      ...(o.finalizer === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ...(o.deleting === true ? { deletionTimestamp: formatTime(T0 + 5_000) } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'perl' }] },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false || o.phase !== 'Running' ? 'False' : 'True' }],
      containerStatuses: [
        {
          name: 'c',
          ready: false,
          restartCount: o.restarts ?? 0,
          image: 'perl',
          imageID: '',
          ...(o.finishedAt === undefined ? {} : { state: { terminated: { exitCode: o.phase === 'Failed' ? 1 : 0, finishedAt: formatTime(o.finishedAt) } } }),
        },
      ],
    },
  };
}

describe('wantActive', () => {
  it.each([
    { name: 'parallelism caps the completions left', completions: 5, parallelism: 2, active: 0, succeeded: 0, want: 2 },
    { name: 'completions left cap parallelism', completions: 5, parallelism: 4, active: 1, succeeded: 3, want: 2 },
    { name: 'all succeeded: none', completions: 3, parallelism: 2, active: 0, succeeded: 3, want: 0 },
    { name: 'more succeeded than completions: none', completions: 3, parallelism: 2, active: 0, succeeded: 4, want: 0 },
    { name: 'work queue before a success: parallelism', completions: null, parallelism: 3, active: 1, succeeded: 0, want: 3 },
    { name: 'work queue after a success: keep what runs', completions: null, parallelism: 3, active: 2, succeeded: 1, want: 2 },
  ])('$name', ({ completions, parallelism, active, succeeded, want }) => {
    expect(wantActive(job({ completions, parallelism }), active, succeeded)).toBe(want);
  });
});

describe('completed indexes', () => {
  it('parses, merges and prints intervals as kube does', () => {
    expect(formatIntervals(parseIntervals('0,2-4,5,9', 10))).toBe('0,2-5,9');
    // numbers read as strconv.Atoi reads them: a leading + is allowed (validation lets it through too)
    expect(formatIntervals(parseIntervals('+0,2-+3,x,4-', 10))).toBe('0,2-3');
    expect(formatIntervals(parseIntervals('1-20', 5))).toBe('1-4');
    expect(formatIntervals(withIndexes(parseIntervals('0,3', 10), [1, 2, 7]))).toBe('0-3,7');
    expect(formatIntervals(parseIntervals('', 3))).toBe('');
  });

  it('counts succeeded pods that still carry the finalizer on top of the status', () => {
    const j = job({ indexed: true, completions: 5, status: { completedIndexes: '0' } });
    const { previous, current } = succeededIndexes(j, [pod('a', { phase: 'Succeeded', index: 2 }), pod('b', { phase: 'Succeeded', index: 2, finalizer: false }), pod('c', { phase: 'Failed', index: 3 }), pod('d', { phase: 'Succeeded', index: 9 })]);
    expect(formatIntervals(previous)).toBe('0');
    expect(formatIntervals(current)).toBe('0,2');
  });

  it('creates the lowest indexes that have neither succeeded nor an active pod', () => {
    const j = job({ indexed: true, completions: 6, parallelism: 6 });
    expect(firstPendingIndexes(j, [pod('a', { index: 1 }), pod('b', { index: 4 })], [], parseIntervals('0,2', 6), 3)).toEqual([3, 5]);
    expect(firstPendingIndexes(j, [], [], [], 2)).toEqual([0, 1]);
  });

  it('a Job that waits for failed pods does not recreate the index of a terminating one', () => {
    const j = job({ indexed: true, completions: 3, parallelism: 3, replaceFailedOnly: true });
    expect(firstPendingIndexes(j, [], [pod('a', { index: 0, deleting: true })], [], 3)).toEqual([1, 2]);
    expect(firstPendingIndexes(job({ indexed: true, completions: 3, parallelism: 3 }), [], [pod('a', { index: 0, deleting: true })], [], 3)).toEqual([0, 1, 2]);
  });

  it('matches a successPolicy as kube\'s matchSuccessPolicy: every named index, or a count of them, or a count alone', () => {
    const withRules = (rules: NonNullable<Job['spec']>['successPolicy']): Job => ({ ...job({ indexed: true, completions: 10, parallelism: 10 }), spec: { ...job({ indexed: true, completions: 10 }).spec, successPolicy: rules } }) as Job;
    const j = withRules({ rules: [{ succeededIndexes: '0,2-4' }, { succeededIndexes: '5-9', succeededCount: 2 }, { succeededCount: 4 }] });
    expect(matchSuccessPolicy(j, parseIntervals('0,2-3', 10))).toBeUndefined();
    expect(matchSuccessPolicy(j, parseIntervals('0-4', 10))).toBe('Matched rules at index 0');
    expect(matchSuccessPolicy(j, parseIntervals('1,6,9', 10))).toBe('Matched rules at index 1');
    expect(matchSuccessPolicy(j, parseIntervals('1,6', 10))).toBeUndefined();
    expect(matchSuccessPolicy(j, parseIntervals('0-1,3,7', 10))).toBe('Matched rules at index 2');
    // indexes past completions are not required; a Job without a policy, or no index succeeded, matches nothing
    expect(matchSuccessPolicy(withRules({ rules: [{ succeededIndexes: '8-20' }] }), parseIntervals('8-9', 10))).toBe('Matched rules at index 0');
    expect(matchSuccessPolicy(job({ indexed: true }), parseIntervals('0-2', 3))).toBeUndefined();
    expect(matchSuccessPolicy(j, [])).toBeUndefined();
  });

  it('removes duplicated, succeeded and out-of-range indexes first', () => {
    const j = job({ indexed: true, completions: 3, parallelism: 3 });
    const removed = activePodsForRemoval(j, [pod('a', { index: 0 }), pod('b', { index: 0, phase: 'Pending' }), pod('c', { index: 1 }), pod('d', { index: 7 }), pod('e')], 0, parseIntervals('1', 3));
    expect(removed.map((p) => p.metadata.name).sort()).toEqual(['b', 'c', 'd', 'e']);
  });
});

describe('pod-failure back-off', () => {
  it('doubles from 10 s per failure after the last success, from the latest failure', () => {
    let r = nextBackoffRecord(undefined, [], [pod('a', { phase: 'Failed', finishedAt: T0 })], T0 + 1_000);
    expect(r).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: T0 });
    expect(backoffRemainingMs(r, T0 + 4_000)).toBe(6_000);
    r = nextBackoffRecord(r, [], [pod('b', { phase: 'Failed', finishedAt: T0 + 12_000 })], T0 + 12_000);
    expect(backoffRemainingMs(r, T0 + 12_000)).toBe(20_000);
    r = nextBackoffRecord(r, [pod('c', { phase: 'Succeeded', finishedAt: T0 + 13_000 })], [], T0 + 13_000);
    expect(r.failuresAfterLastSuccess).toBe(0);
    expect(backoffRemainingMs(r, T0 + 13_000)).toBe(0);
  });

  it('is capped at 10 minutes', () => {
    expect(backoffRemainingMs({ failuresAfterLastSuccess: 12, lastFailureTime: T0 }, T0)).toBe(600_000);
  });

  it('a failure after the success in the same sync still counts', () => {
    const r = nextBackoffRecord({ failuresAfterLastSuccess: 4, lastFailureTime: T0 }, [pod('s', { phase: 'Succeeded', finishedAt: T0 + 1_000 })], [pod('f', { phase: 'Failed', finishedAt: T0 + 2_000 })], T0 + 3_000);
    expect(r).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: T0 + 2_000 });
  });
});

describe('failure accounting', () => {
  it('a deleted pod that did not succeed counts as failed, unless the Job waits for failed pods', () => {
    expect(isPodFailed(pod('a', { deleting: true }), job())).toBe(true);
    expect(isPodFailed(pod('a', { deleting: true, phase: 'Succeeded' }), job())).toBe(false);
    expect(isPodFailed(pod('a', { deleting: true }), job({ replaceFailedOnly: true }))).toBe(false);
  });

  it('restarts under OnFailure reach the backoff limit', () => {
    expect(pastBackoffLimitOnFailure(job({ restartPolicy: 'OnFailure', backoffLimit: 3 }), [pod('a', { restarts: 2 }), pod('b', { restarts: 1 })])).toBe(true);
    expect(pastBackoffLimitOnFailure(job({ restartPolicy: 'OnFailure', backoffLimit: 3 }), [pod('a', { restarts: 2 })])).toBe(false);
    expect(pastBackoffLimitOnFailure(job({ restartPolicy: 'OnFailure', backoffLimit: 0 }), [pod('a', { restarts: 1 })])).toBe(true);
    expect(pastBackoffLimitOnFailure(job({ restartPolicy: 'Never', backoffLimit: 0 }), [pod('a', { restarts: 1 })])).toBe(false);
  });

  it('new finished pods exclude the uncounted and those whose finalizer is coming off', () => {
    const j = job({ status: { uncountedTerminatedPods: { succeeded: ['uid-a'] } } });
    const pods = [pod('a', { phase: 'Succeeded' }), pod('b', { phase: 'Succeeded' }), pod('c', { phase: 'Failed' }), pod('d', { phase: 'Failed' }), pod('e', { phase: 'Succeeded', finalizer: false })];
    const fresh = newFinishedPods(j, pods, new Set(['uid-d']));
    expect(fresh.succeeded.map((p) => p.metadata.name)).toEqual(['b']);
    expect(fresh.failed.map((p) => p.metadata.name)).toEqual(['c']);
  });
});

describe('pod failure policy', () => {
  const policy = (j: Job): Job => {
    j.spec!.podFailurePolicy = {
      rules: [
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
        { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1] } },
      ],
    };
    return j;
  };
  const failedWith = (name: string, code: number, disrupted = false): Pod => {
    const p = pod(name, { phase: 'Failed', finishedAt: T0 });
    p.status!.containerStatuses![0]!.state = { terminated: { exitCode: code, finishedAt: formatTime(T0) } };
    if (disrupted) p.status!.conditions!.push({ type: 'DisruptionTarget', status: 'True' });
    return p;
  };

  it('the first matching rule decides, in kube words', () => {
    const j = policy(job());
    expect(matchPodFailurePolicy(j, failedWith('a', 42))).toEqual({ countFailed: true, failJob: 'Container c for pod default/a failed with exit code 42 matching FailJob rule at index 1' });
    expect(matchPodFailurePolicy(j, failedWith('b', 42, true))).toEqual({ countFailed: false });
    expect(matchPodFailurePolicy(j, failedWith('c', 3))).toEqual({ countFailed: true });
    expect(matchPodFailurePolicy(j, failedWith('d', 1))).toEqual({ countFailed: true });
  });

  it('ignored failures do not count and a FailJob match names the pod', () => {
    const j = policy(job());
    expect(countedFailures(j, [failedWith('a', 1, true), failedWith('b', 3)])).toBe(1);
    expect(failJobMessage(j, [failedWith('a', 1), failedWith('b', 42)])).toBe('Container c for pod default/b failed with exit code 42 matching FailJob rule at index 1');
    expect(failJobMessage(job(), [failedWith('b', 42)])).toBeUndefined();
  });

  it('an ignored failure is freed of the finalizer but not recorded as failed', () => {
    const plan = planTracking(policy(job()), [failedWith('a', 1, true), failedWith('b', 3)], new Set(), false, false, []);
    expect(plan.podsToRemoveFinalizer.map((p) => p.metadata.name)).toEqual(['a', 'b']);
    expect(plan.uncountedFailed).toEqual(['uid-b']);
  });
});

describe('finalizer tracking', () => {
  it('records finished pods as uncounted and frees them; running pods stay', () => {
    const plan = planTracking(job(), [pod('a', { phase: 'Succeeded' }), pod('b', { phase: 'Failed' }), pod('c'), pod('d', { phase: 'Succeeded', finalizer: false })], new Set(), false, false, []);
    expect(plan.podsToRemoveFinalizer.map((p) => p.metadata.name)).toEqual(['a', 'b']);
    expect(plan.uncountedSucceeded).toEqual(['uid-a']);
    expect(plan.uncountedFailed).toEqual(['uid-b']);
  });

  it('a failing Job frees and counts every pod as failed', () => {
    const plan = planTracking(job(), [pod('a', { deleting: true }), pod('b', { phase: 'Succeeded' })], new Set(), true, true, []);
    expect(plan.uncountedFailed).toEqual(['uid-a']);
    expect(plan.uncountedSucceeded).toEqual(['uid-b']);
  });

  it('an Indexed success is recorded by its index, once', () => {
    const j = job({ indexed: true, completions: 3 });
    const plan = planTracking(j, [pod('a', { phase: 'Succeeded', index: 2 }), pod('b', { phase: 'Succeeded', index: 0 }), pod('c', { phase: 'Succeeded', index: 1 })], new Set(), false, false, parseIntervals('1', 3));
    expect(plan.newSucceededIndexes).toEqual([0, 2]);
    expect(plan.uncountedSucceeded).toEqual([]);
    expect(plan.podsToRemoveFinalizer).toHaveLength(3);
  });

  it('uncounted pods whose finalizer is off move into the counters', () => {
    const status = { succeeded: 2, failed: 1, uncountedTerminatedPods: { succeeded: ['s1', 's2'], failed: ['f1'] } };
    expect(cleanUncounted(status, new Set(['s2']))).toBe(true);
    expect(status).toEqual({ succeeded: 3, failed: 2, uncountedTerminatedPods: { succeeded: ['s2'] } });
    expect(cleanUncounted(status, new Set(['s2']))).toBe(false);
  });
});

describe('the pods a Job creates', () => {
  it('carry the template, the tracking finalizer and the Job as controller', () => {
    const p = podForJob(job());
    expect(p.metadata.generateName).toBe('pi-');
    expect(p.metadata.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    expect(p.metadata.ownerReferences?.[0]).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-pi', controller: true, blockOwnerDeletion: true });
    expect(p.spec?.restartPolicy).toBe('Never');
  });

  it('an Indexed pod also carries its index as annotation, label, env and hostname', () => {
    const p = podForJob(job({ indexed: true }), 4);
    expect(p.metadata.generateName).toBe('pi-4-');
    expect(p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).toBe('4');
    expect(p.metadata.labels?.[JOB_COMPLETION_INDEX_ANNOTATION]).toBe('4');
    expect(p.spec?.hostname).toBe('pi-4');
    expect(p.spec?.containers[0]?.env).toEqual([{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } }]);
  });

  it('a long Job name is cut so the generated name fits 63 characters', () => {
    const name = podGenerateNameWithIndex('x'.repeat(70), 12);
    expect(name).toBe(`${'x'.repeat(54)}-12-`);
    expect(name.length + 5).toBe(63);
  });
});

describe('ensureCondition', () => {
  it('adds a True condition, leaves an unchanged one and moves the transition time only on a status change', () => {
    const a = ensureCondition([], 'Suspended', 'True', 'JobSuspended', 'Job suspended', T0);
    expect(a.changed).toBe(true);
    expect(ensureCondition(a.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', T0 + 1_000).changed).toBe(false);
    const b = ensureCondition(a.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', T0 + 2_000);
    expect(b.conditions[0]).toMatchObject({ status: 'False', reason: 'JobResumed', lastTransitionTime: formatTime(T0 + 2_000) });
    expect(ensureCondition([], 'Suspended', 'False', 'JobResumed', 'Job resumed', T0).changed).toBe(false);
  });
});
