/**
 * The batch/v1 jobs and cronjobs strategies, as kube-apiserver 1.32's: discovery and OpenAPI, a Job's defaults,
 * its selector and template labels generated from its UID, validation in kube's words, the immutable spec
 * fields (with the elastic Indexed Job and the suspended-before-start exceptions), status writes, a CronJob's
 * defaults and validation, the kubectl printers, strategic merge patch metadata, and a create, status write and
 * update through the REST handlers against a real store member.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CronJob, Job, JobSpec, JobStatus, KubeObject } from '../../src/api/index.js';
import { StatusError } from '../../src/apiserver/errors.js';
import type { RestHandlers } from '../../src/apiserver/handlers.js';
import { OpenApiDocuments } from '../../src/apiserver/openapi.js';
import { patchSchemaFor, strategicMergePatch, type JsonObject } from '../../src/apiserver/patch/index.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import type { RequestInfo } from '../../src/apiserver/request-info.js';
import type { ResourceType } from '../../src/apiserver/resource.js';
import { BATCH_V1 } from '../../src/apiserver/resources/batch-v1.js';
import { tableConvertorFor } from '../../src/apiserver/tables/convertors.js';
import { useStore } from '../compat/helpers/store.js';
import { useRestHandlers } from './helpers/rest-handlers.js';

const jobs = BATCH_V1.find((r) => r.resource === 'jobs')!;
const cronjobs = BATCH_V1.find((r) => r.resource === 'cronjobs')!;
const CTX = { now: Date.UTC(2026, 0, 10, 12, 0, 0) };
const UID = '6f1c2a4e-8d7b-4c1e-9f3a-2b5d7e9c1a03';
const T1 = '2026-01-10T11:00:00Z';
const T2 = '2026-01-10T11:05:30Z';

function job(spec: Partial<JobSpec> = {}, labels?: Record<string, string>): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', ...(labels === undefined ? {} : { labels }) },
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' } }, ...spec },
  };
}

/** create runs a Job through what the handler does on create: a UID first, then defaults and the strategy. */
function create(o: Job): Job {
  o.metadata.uid = UID;
  jobs.defaults(o);
  jobs.prepareForCreate(o, CTX);
  return o;
}

function createErrors(o: Job): string[] {
  return jobs.validate(create(o)).map((e) => e.toString());
}

/** update runs a full update of old to o as the handler does, and returns the validation messages. */
function updateErrors(o: Job, old: Job): string[] {
  o.metadata.uid = old.metadata.uid!;
  jobs.defaults(o);
  jobs.prepareForUpdate(o, old, CTX);
  return [...jobs.validate(o), ...jobs.validateUpdate(o, old)].map((e) => e.toString());
}

/** edit is the stored Job as a client would send it back, changed by fn. */
function edit(stored: Job, fn: (j: Job) => void): Job {
  const copy = structuredClone(stored);
  fn(copy);
  return copy;
}

describe('batch/v1 discovery and OpenAPI', () => {
  const registry = builtinRegistry();

  it('serves jobs (category all) and cronjobs (cj, category all), each with a status subresource', () => {
    expect(registry.apiGroup('batch')).toMatchObject({ name: 'batch', preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } });
    const list = registry.apiResourceList('batch', 'v1')!;
    expect(list.resources.map((r) => r.name)).toEqual(['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']);
    const [cronEntry, , jobsEntry, jobsStatus] = list.resources;
    expect(jobsEntry).toMatchObject({ singularName: 'job', namespaced: true, kind: 'Job', categories: ['all'] });
    expect(jobsEntry).not.toHaveProperty('shortNames');
    expect(jobsEntry!.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect(jobsStatus).toMatchObject({ kind: 'Job', verbs: ['get', 'patch', 'update'] });
    expect(cronEntry).toMatchObject({ singularName: 'cronjob', kind: 'CronJob', shortNames: ['cj'], categories: ['all'] });
  });

  it('publishes /openapi/v3/apis/batch/v1 with both kinds, their status paths and the schemas of the protobuf schema', () => {
    const docs = new OpenApiDocuments(registry.resources);
    expect(JSON.parse(docs.discovery()).paths).toHaveProperty(['apis/batch/v1']);
    const doc = JSON.parse(docs.document('apis/batch/v1')!.json) as { paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    expect(doc.paths).toHaveProperty(['/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status']);
    expect(doc.paths).toHaveProperty(['/apis/batch/v1/namespaces/{namespace}/cronjobs/{name}/status']);
    expect(Object.keys(doc.components.schemas['io.k8s.api.batch.v1.JobSpec']!.properties!)).toEqual(
      expect.arrayContaining(['parallelism', 'completions', 'podFailurePolicy', 'successPolicy', 'backoffLimitPerIndex', 'podReplacementPolicy', 'managedBy']),
    );
    expect(doc.components.schemas['io.k8s.api.batch.v1.CronJobSpec']!.properties).toHaveProperty('timeZone');
  });
});

describe('batch/v1 jobs: defaults and the generated selector', () => {
  it('defaults one completion and one pod, six retries, NonIndexed, not suspended, no manual selector, TerminatingOrFailed', () => {
    const j = job();
    jobs.defaults(j);
    expect(j.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
    });
    // The pod template is defaulted as a pod's spec is.
    expect(j.spec!.template.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    expect(j.spec!.template.spec!.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' });
  });

  it('leaves completions unset when only parallelism is given, and follows what else is set', () => {
    const work = job({ parallelism: 3 });
    jobs.defaults(work);
    expect(work.spec!.completions).toBeUndefined();
    expect(work.spec!.parallelism).toBe(3);
    const fixed = job({ completions: 5 });
    jobs.defaults(fixed);
    expect(fixed.spec).toMatchObject({ completions: 5, parallelism: 1 });
    const perIndex = job({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 });
    jobs.defaults(perIndex);
    expect(perIndex.spec!.backoffLimit).toBe(2147483647);
    const policy = job({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' } as { type: string; status: 'True' }] }] } });
    jobs.defaults(policy);
    expect(policy.spec!.podReplacementPolicy).toBe('Failed');
    expect(policy.spec!.podFailurePolicy!.rules[0]!.onPodConditions![0]!.status).toBe('True');
  });

  it('clears the status, starts generation at 1, and generates the selector and template labels from the UID (assigned before)', () => {
    const j = job();
    (j as { status?: JobStatus }).status = { succeeded: 5 };
    create(j);
    expect(j.status).toBeUndefined();
    expect(j.metadata.generation).toBe(1);
    expect(j.spec!.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': UID } });
    expect(j.spec!.template.metadata!.labels).toEqual({ 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi' });
    // A Job without labels shows its template's, generated ones included (kubectl get job -o yaml).
    expect(j.metadata.labels).toEqual(j.spec!.template.metadata!.labels);
    expect(j.metadata.labels).not.toBe(j.spec!.template.metadata!.labels);
    expect(jobs.validate(j)).toEqual([]);
  });

  it('keeps the template labels a client set and the Job\'s own labels', () => {
    const j = create(job({ template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'OnFailure' } } }));
    expect(j.spec!.template.metadata!.labels).toMatchObject({ app: 'pi', 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi' });
    expect(j.metadata.labels).toEqual(j.spec!.template.metadata!.labels);
    const own = create(job({}, { team: 'a' }));
    expect(own.metadata.labels).toEqual({ team: 'a' });
  });

  it('generates nothing with manualSelector, which then needs a selector matching the template', () => {
    const manual = create(job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } }, template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } } }));
    expect(manual.spec!.selector).toEqual({ matchLabels: { app: 'pi' } });
    expect(manual.spec!.template.metadata!.labels).toEqual({ app: 'pi' });
    expect(jobs.validate(manual)).toEqual([]);
    expect(createErrors(job({ manualSelector: true }))).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: "null": `selector` does not match template `labels`',
    ]);
  });

  it('refuses a selector set without manualSelector: it is not the generated one', () => {
    const msgs = createErrors(job({ selector: { matchLabels: { app: 'pi' } }, template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } } }));
    expect(msgs).toEqual([expect.stringMatching(/^spec\.selector: Invalid value: .*: `selector` not auto-generated$/)]);
  });

  it('refuses template labels that contradict the Job', () => {
    const msgs = createErrors(job({ template: { metadata: { labels: { 'job-name': 'other' } }, spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } } }));
    expect(msgs).toContainEqual(expect.stringMatching(/^spec\.template\.metadata\.labels\[job-name\]: Invalid value: map\[string\]string\{.*"job-name":"other".*\}: must be 'pi'$/));
  });
});

describe('batch/v1 jobs: validation', () => {
  const never = { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' as const };
  it.each([
    ['no restart policy (pods default to Always)', job({ template: { spec: { containers: [{ name: 'c', image: 'i' }] } } }), 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ['restartPolicy Always', job({ template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Always' } } }), 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ['a negative parallelism', job({ parallelism: -1 }), 'spec.parallelism: Invalid value: -1: must be greater than or equal to 0'],
    ['a negative completions', job({ completions: -2 }), 'spec.completions: Invalid value: -2: must be greater than or equal to 0'],
    ['a negative backoffLimit', job({ backoffLimit: -1 }), 'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0'],
    ['a negative activeDeadlineSeconds', job({ activeDeadlineSeconds: -5 }), 'spec.activeDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0'],
    ['a negative ttlSecondsAfterFinished', job({ ttlSecondsAfterFinished: -1 }), 'spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0'],
    ['Indexed without completions', job({ completionMode: 'Indexed', parallelism: 2 }), 'spec.completions: Required value: when completion mode is Indexed'],
    ['Indexed with parallelism above 100000', job({ completionMode: 'Indexed', completions: 5, parallelism: 100001 }), 'spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed'],
    ['an unknown completion mode', job({ completionMode: 'Ordered' as 'Indexed' }), 'spec.completionMode: Unsupported value: "Ordered": supported values: "NonIndexed", "Indexed"'],
    ['backoffLimitPerIndex on a NonIndexed Job', job({ backoffLimitPerIndex: 1 }), 'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode'],
    ['maxFailedIndexes without backoffLimitPerIndex', job({ completionMode: 'Indexed', completions: 4, maxFailedIndexes: 1 }), 'spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified'],
    ['a successPolicy on a NonIndexed Job', job({ successPolicy: { rules: [{ succeededCount: 1 }] } }), expect.stringMatching(/^spec\.successPolicy: Invalid value: .*: requires indexed completion mode$/)],
    ['a succeededCount above completions', job({ completionMode: 'Indexed', completions: 3, successPolicy: { rules: [{ succeededCount: 4 }] } }), 'spec.successPolicy.rules[0].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of specified completions)'],
    ['succeededIndexes out of range', job({ completionMode: 'Indexed', completions: 3, successPolicy: { rules: [{ succeededIndexes: '0-5' }] } }), 'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0-5": error parsing succeededIndexes: too large index: "5"'],
    ['a managedBy without a domain', job({ managedBy: 'kueue' }), 'spec.managedBy: Invalid value: "kueue": must be a domain-prefixed path (such as "acme.io/foo")'],
    ['TerminatingOrFailed under a pod failure policy', job({ podReplacementPolicy: 'TerminatingOrFailed', podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] } }), 'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"'],
    ['OnFailure under a pod failure policy', job({ template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'OnFailure' } }, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] } }), 'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified'],
    ['an Indexed Job whose last pod name would not be a DNS label', { ...job({ completionMode: 'Indexed', completions: 2 }), metadata: { name: 'Pi', namespace: 'default' } }, 'metadata.name: Invalid value: "Pi": will not able to create pod with invalid DNS label: Pi-1'],
  ])('refuses %s', (_what, obj, message) => {
    expect(createErrors(obj as Job)).toContainEqual(message);
  });

  it.each([
    ['a rule with both requirements', { action: 'FailJob', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }, 'spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported'],
    ['a rule with neither', { action: 'FailJob' }, 'spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required'],
    ['no action', { action: '', onExitCodes: { operator: 'In', values: [1] } }, 'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]'],
    ['an unknown action', { action: 'Retry', onExitCodes: { operator: 'In', values: [1] } }, 'spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"'],
    ['FailIndex without backoffLimitPerIndex', { action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }, 'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set'],
    ['no operator', { action: 'Count', onExitCodes: { operator: '', values: [1] } }, 'spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]'],
    ['an unknown operator', { action: 'Count', onExitCodes: { operator: 'Is', values: [1] } }, 'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Is": supported values: "In", "NotIn"'],
    ['no values', { action: 'Count', onExitCodes: { operator: 'NotIn', values: [] } }, 'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []string(nil): at least one value is required'],
    ['0 with In', { action: 'Count', onExitCodes: { operator: 'In', values: [0, 2] } }, 'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator'],
    ['a duplicate value', { action: 'Count', onExitCodes: { operator: 'In', values: [2, 2] } }, 'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 2'],
    ['unordered values', { action: 'Count', onExitCodes: { operator: 'In', values: [3, 2] } }, 'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [3,2]: must be ordered'],
    ['an unknown container', { action: 'Count', onExitCodes: { containerName: 'x', operator: 'In', values: [1] } }, 'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "x": must be one of the container or initContainer names in the pod template'],
    ['a condition status outside True/False/Unknown', { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] }, 'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"'],
  ])('refuses a pod failure policy with %s', (_what, rule, message) => {
    const j = job({ template: { spec: never }, podFailurePolicy: { rules: [rule as never] } });
    expect(createErrors(j)).toContainEqual(message);
  });

  it('accepts a Job kube accepts: Indexed with a success policy and per-index backoff, and FailIndex rules', () => {
    const j = job({
      completionMode: 'Indexed',
      completions: 5,
      parallelism: 2,
      backoffLimitPerIndex: 1,
      maxFailedIndexes: 2,
      successPolicy: { rules: [{ succeededIndexes: '0-2,4', succeededCount: 3 }] },
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      managedBy: 'kueue.x-k8s.io/multikueue',
      template: { spec: never },
    });
    expect(createErrors(j)).toEqual([]);
  });
});

describe('batch/v1 jobs: updates', () => {
  const stored = (): Job => {
    const j = create(job({ completionMode: 'Indexed', completions: 3, parallelism: 3, suspend: false }));
    j.metadata.resourceVersion = '5';
    return j;
  };

  it('bumps generation on a spec change only', () => {
    const old = stored();
    const same = edit(old, () => undefined);
    expect(updateErrors(same, old)).toEqual([]);
    expect(same.metadata.generation).toBe(1);
    const longer = edit(old, (j) => (j.spec!.activeDeadlineSeconds = 60));
    expect(updateErrors(longer, old)).toEqual([]);
    expect(longer.metadata.generation).toBe(2);
  });

  it.each([
    ['the selector', (j: Job) => (j.spec!.selector = { matchLabels: { ...j.spec!.selector!.matchLabels, extra: 'x' } }), /^spec\.selector: Invalid value: .*: field is immutable$/],
    ['the completion mode', (j: Job) => (j.spec!.completionMode = 'NonIndexed'), /^spec\.completionMode: Invalid value: "NonIndexed": field is immutable$/],
    ['the pod failure policy', (j: Job) => (j.spec!.podFailurePolicy = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] }), /^spec\.podFailurePolicy: Invalid value: .*: field is immutable$/],
    ['backoffLimitPerIndex', (j: Job) => (j.spec!.backoffLimitPerIndex = 2), /^spec\.backoffLimitPerIndex: Invalid value: 2: field is immutable$/],
    ['managedBy', (j: Job) => (j.spec!.managedBy = 'example.com/mine'), /^spec\.managedBy: Invalid value: "example\.com\/mine": field is immutable$/],
    ['the success policy', (j: Job) => (j.spec!.successPolicy = { rules: [{ succeededCount: 1 }] }), /^spec\.successPolicy: Invalid value: .*: field is immutable$/],
    ['the template of a running Job', (j: Job) => (j.spec!.template.spec!.containers[0]!.image = 'perl:6'), /^spec\.template: Invalid value: .*: field is immutable$/],
    ['completions without parallelism (Indexed)', (j: Job) => (j.spec!.completions = 5), /^spec\.completions: Invalid value: 5: can only be modified in tandem with spec\.parallelism$/],
  ])('keeps %s immutable', (_what, change, message) => {
    const old = stored();
    expect(updateErrors(edit(old, change), old)).toContainEqual(expect.stringMatching(message));
  });

  it('lets an Indexed Job scale elastically (completions with parallelism), and keeps a NonIndexed Job\'s completions', () => {
    const old = stored();
    expect(updateErrors(edit(old, (j) => Object.assign(j.spec!, { completions: 5, parallelism: 5 })), old)).toEqual([]);
    const plain = create(job({ completions: 2 }));
    expect(updateErrors(edit(plain, (j) => (j.spec!.completions = 3)), plain)).toEqual(['spec.completions: Invalid value: 3: field is immutable']);
  });

  it('lets a suspended Job that never started change its scheduling directives, labels and annotations, but not its containers', () => {
    const old = create(job({ suspend: true }));
    const scheduled = edit(old, (j) => {
      const t = j.spec!.template;
      t.spec!.nodeSelector = { zone: 'a' };
      t.spec!.tolerations = [{ key: 'gpu', operator: 'Exists' }];
      t.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
      t.metadata!.labels = { ...t.metadata!.labels, queue: 'q1' };
      t.metadata!.annotations = { note: 'x' };
      (t.spec as unknown as Record<string, unknown>)['schedulingGates'] = [{ name: 'example.com/gate' }];
    });
    expect(updateErrors(scheduled, old)).toEqual([]);
    const image = edit(old, (j) => (j.spec!.template.spec!.containers[0]!.image = 'perl:6'));
    expect(updateErrors(image, old)).toEqual([expect.stringMatching(/^spec\.template: Invalid value: .*: field is immutable$/)]);
    // Once started, the exception is gone.
    const started = { ...old, status: { startTime: T1 } };
    expect(updateErrors(edit(old, (j) => (j.spec!.template.spec!.nodeSelector = { zone: 'b' })), started)).toEqual([expect.stringMatching(/field is immutable$/)]);
  });
});

describe('batch/v1 jobs: status writes', () => {
  const validate = (status: JobStatus, before: JobStatus = {}, spec: Partial<JobSpec> = {}): string[] => {
    const base = create(job(spec));
    const next: Job = { ...base, status };
    const old: Job = { ...base, status: before };
    return jobs.validateStatusUpdate!(next, old).map((e) => e.toString());
  };
  const complete = { type: 'Complete' as const, status: 'True' as const };
  const failed = { type: 'Failed' as const, status: 'True' as const };

  it('accepts a controller\'s progress to completion', () => {
    expect(validate({ startTime: T1, active: 1, ready: 1 })).toEqual([]);
    expect(validate({ startTime: T1, completionTime: T2, succeeded: 1, conditions: [complete], uncountedTerminatedPods: {} }, { startTime: T1, active: 1 })).toEqual([]);
  });

  it('refuses negative counters (below the stored ones, too) and bad uncounted pods', () => {
    expect(validate({ active: -1, succeeded: -1, failed: -2, ready: -1, terminating: -3 })).toEqual([
      'status.active: Invalid value: -1: must be greater than or equal to 0',
      'status.succeeded: Invalid value: -1: must be greater than or equal to 0',
      'status.failed: Invalid value: -2: must be greater than or equal to 0',
      'status.ready: Invalid value: -1: must be greater than or equal to 0',
      'status.terminating: Invalid value: -3: must be greater than or equal to 0',
      'status.failed: Invalid value: -2: cannot decrease the failed counter',
      'status.succeeded: Invalid value: -1: cannot decrease the succeeded counter',
    ]);
    expect(validate({ uncountedTerminatedPods: { succeeded: ['a', ''], failed: ['a'] } })).toEqual([
      'status.uncountedTerminatedPods.succeeded[1]: Invalid value: "": must not be empty',
      'status.uncountedTerminatedPods.failed[0]: Duplicate value: "a"',
    ]);
  });

  it('refuses inconsistent terminal states', () => {
    expect(validate({ startTime: T1, completionTime: T2, conditions: [complete, failed] })).toContain('status.conditions: Invalid value: cannot set Complete=True and Failed=true conditions');
    expect(validate({ startTime: T1, conditions: [complete] })).toContain('status.completionTime: Required value: completionTime is required for Complete jobs');
    expect(validate({ startTime: T1, completionTime: T2 })).toContain('status.completionTime: Invalid value: "2026-01-10T11:05:30Z": cannot set completionTime when there is no Complete=True condition');
    expect(validate({ startTime: T2, completionTime: T1, conditions: [complete] })).toContain('status.completionTime: Invalid value: "2026-01-10T11:00:00Z": completionTime cannot be set before startTime');
    expect(validate({ startTime: T1, active: 2, conditions: [failed] })).toContain('status.active: Invalid value: 2: active>0 is invalid for finished job');
    expect(validate({ conditions: [failed] })).toContain('status.startTime: Required value: startTime is required for finished job');
  });

  it('refuses going back: a terminal condition dropped, counters decreased, completionTime moved', () => {
    const done = { startTime: T1, completionTime: T2, succeeded: 2, failed: 1, conditions: [complete] };
    expect(validate({ startTime: T1, succeeded: 1, failed: 0 }, done)).toEqual([
      'status.conditions: Invalid value: cannot disable the terminal Complete=True condition',
      'status.failed: Invalid value: 0: cannot decrease the failed counter',
      'status.succeeded: Invalid value: 1: cannot decrease the succeeded counter',
    ]);
    expect(validate({ ...done, completionTime: '2026-01-10T11:06:00Z' }, done)).toEqual(['status.completionTime: Invalid value: "2026-01-10T11:06:00Z": completionTime cannot be mutated']);
    expect(validate({ startTime: T2 }, { startTime: T1 })).toEqual(['status.startTime: Required value: startTime cannot be removed for unsuspended job']);
    expect(validate({}, { startTime: T1 }, { suspend: true })).toEqual([]);
  });

  it('checks an Indexed Job\'s index lists', () => {
    const indexed = { completionMode: 'Indexed' as const, completions: 4, parallelism: 4, backoffLimitPerIndex: 1 };
    expect(validate({ completedIndexes: '0-1,3', failedIndexes: '2' }, {}, indexed)).toEqual([]);
    expect(validate({ completedIndexes: '0-5' }, {}, indexed)).toEqual(['status.completedIndexes: Invalid value: "0-5": error parsing completedIndexes: too large index: "5"']);
    expect(validate({ completedIndexes: '1,2', failedIndexes: '2' }, {}, indexed)).toEqual(['status.failedIndexes: Invalid value: "2": failedIndexes and completedIndexes overlap at index: 2']);
    expect(validate({ completedIndexes: '0' })).toEqual(['status.completedIndexes: Invalid value: "0": cannot set non-empty completedIndexes when non-indexed completion mode']);
    // An elastic Indexed Job scaled down may lose succeeded pods.
    expect(validate({ succeeded: 1 }, { succeeded: 3 }, indexed)).toEqual([]);
  });

  it('allows SuccessCriteriaMet on any Job (the controller sets it before Complete), never with Failed or FailureTarget', () => {
    expect(validate({ startTime: T1, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] }, { startTime: T1 })).toEqual([]);
    expect(validate({ startTime: T1, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'FailureTarget', status: 'True' }] }, { startTime: T1 })).toEqual([
      'status.conditions: Invalid value: cannot set SuccessCriteriaMet=True and FailureTarget=true conditions',
    ]);
  });
});

describe('batch/v1 cronjobs', () => {
  const cj = (spec: Partial<NonNullable<CronJob['spec']>> = {}, name = 'backup'): CronJob => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'backup:1' }], restartPolicy: 'OnFailure' } } } }, ...spec },
  });
  const errors = (o: CronJob): string[] => {
    cronjobs.defaults(o);
    return cronjobs.validate(o).map((e) => e.toString());
  };

  it('defaults Allow, not suspended, three successful and one failed Job kept; the template\'s pod spec as pods get it', () => {
    const o = cj();
    cronjobs.defaults(o);
    expect(o.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(o.spec!.jobTemplate.spec!.template.spec).toMatchObject({ dnsPolicy: 'ClusterFirst' });
    // A Job template is not defaulted as a Job: the cronjob controller's Job is, when it is created.
    expect(o.spec!.jobTemplate.spec).not.toHaveProperty('backoffLimit');
    expect(errors(cj())).toEqual([]);
  });

  it('clears the status and counts spec changes in generation', () => {
    const o = cj();
    (o as { status?: unknown }).status = { lastScheduleTime: T1 };
    cronjobs.defaults(o);
    cronjobs.prepareForCreate(o, CTX);
    expect(o).not.toHaveProperty('status');
    expect(o.metadata.generation).toBe(1);
    const suspended = structuredClone(o);
    suspended.spec!.suspend = true;
    cronjobs.prepareForUpdate(suspended, o, CTX);
    expect(suspended.metadata.generation).toBe(2);
    expect(cronjobs.validateStatusUpdate!(suspended, o)).toEqual([]);
  });

  it.each([
    ['an empty schedule', cj({ schedule: '' }), 'spec.schedule: Required value'],
    ['a schedule that does not parse', cj({ schedule: '61 * * * *' }), 'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'],
    ['four fields', cj({ schedule: '* * * *' }), 'spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]'],
    ['a bad descriptor', cj({ schedule: '@fortnightly' }), 'spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly'],
    ['a zone in the schedule', cj({ schedule: 'TZ=UTC 0 0 * * *' }), 'spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    ['a CRON_TZ zone in the schedule', cj({ schedule: 'CRON_TZ=Europe/Berlin 0 0 * * *' }), 'spec.schedule: Invalid value: "CRON_TZ=Europe/Berlin 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    ['an unknown time zone', cj({ timeZone: 'Mars/Olympus' }), 'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
    ['a time zone spelt in lower case', cj({ timeZone: 'europe/berlin' }), 'spec.timeZone: Invalid value: "europe/berlin": unknown time zone europe/berlin'],
    ['a time zone that is a path', cj({ timeZone: '../etc/passwd' }), 'spec.timeZone: Invalid value: "../etc/passwd": unknown time zone ../etc/passwd'],
    ['Local', cj({ timeZone: 'Local' }), 'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'],
    ['an empty time zone', cj({ timeZone: '' }), 'spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'],
    ['an unknown concurrency policy', cj({ concurrencyPolicy: 'Queue' as 'Allow' }), 'spec.concurrencyPolicy: Unsupported value: "Queue": supported values: "Allow", "Forbid", "Replace"'],
    ['a negative startingDeadlineSeconds', cj({ startingDeadlineSeconds: -1 }), 'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0'],
    ['a negative history limit', cj({ failedJobsHistoryLimit: -1 }), 'spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0'],
    ['a Job template restarting Always', cj({ jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } } }), 'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ['a Job template with a selector', cj({ jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } } } } }), expect.stringMatching(/^spec\.jobTemplate\.spec\.selector: Invalid value: .*: `selector` will be auto-generated$/)],
    ['a Job template with manualSelector', cj({ jobTemplate: { spec: { manualSelector: true, template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } } } } }), 'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"'],
    ['a name longer than 52 characters', cj({}, 'a'.repeat(53)), `metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`],
  ])('refuses %s', (_what, obj, message) => {
    expect(errors(obj)).toContainEqual(message);
  });

  it('accepts descriptors, @every, names and a time zone', () => {
    for (const schedule of ['@hourly', '@every 1h30m', '0 9 * * MON-FRI', '*/10 0-6 1,15 JAN-JUN ?']) expect(errors(cj({ schedule })), schedule).toEqual([]);
    expect(errors(cj({ timeZone: 'Europe/Berlin' }))).toEqual([]);
    expect(errors(cj({ timeZone: 'Etc/UTC' }))).toEqual([]);
    expect(errors(cj({}, 'a'.repeat(52)))).toEqual([]);
  });
});

describe('batch/v1 printers', () => {
  const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
  const jobTable = tableConvertorFor('batch', 'jobs');
  const cronTable = tableConvertorFor('batch', 'cronjobs');
  const printed = (j: Partial<Job> & { metadata?: Job['metadata'] }): unknown[] =>
    jobTable.row({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', creationTimestamp: '2026-01-10T11:00:00Z' }, ...j } as KubeObject, NOW).cells;
  const spec = (s: Partial<JobSpec> = {}): JobSpec => ({ template: { spec: { containers: [{ name: 'pi', image: 'perl' }, { name: 'side', image: 'busybox' }] } }, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, ...s });

  it('defines NAME STATUS COMPLETIONS DURATION AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    expect(jobTable.columns.map((c) => `${c.name}:${c.type}:${c.priority}`)).toEqual([
      'Name:string:0',
      'Status:string:0',
      'Completions:string:0',
      'Duration:string:0',
      'Age:string:0',
      'Containers:string:1',
      'Images:string:1',
      'Selector:string:1',
    ]);
  });

  it('prints a running Job: its completions, and its duration so far', () => {
    expect(printed({ spec: spec({ completions: 3, parallelism: 2 }), status: { startTime: T1, succeeded: 1, active: 2 } })).toEqual([
      'pi', 'Running', '1/3', '60m', '60m', 'pi,side', 'perl,busybox', 'batch.kubernetes.io/controller-uid=u',
    ]);
  });

  it('prints completions without a count as n/1, and n/1 of p with parallelism', () => {
    expect(printed({ spec: spec({ parallelism: 1 }) })[2]).toBe('0/1');
    expect(printed({ spec: spec({ parallelism: 4 }), status: { succeeded: 2 } })[2]).toBe('2/1 of 4');
    expect(printed({ spec: spec() })[3]).toBe('');
  });

  it.each([
    ['Complete', { conditions: [{ type: 'Complete', status: 'True' }], startTime: T1, completionTime: T2 }, {}, '5m30s'],
    ['Failed', { conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }], startTime: T1 }, {}, '60m'],
    ['Terminating', { startTime: T1 }, { deletionTimestamp: T2 }, '60m'],
    ['Suspended', { conditions: [{ type: 'Suspended', status: 'True' }] }, {}, ''],
    ['FailureTarget', { conditions: [{ type: 'FailureTarget', status: 'True' }], startTime: T1 }, {}, '60m'],
    ['Running', { conditions: [{ type: 'Suspended', status: 'False' }, { type: 'SuccessCriteriaMet', status: 'True' }], startTime: T1 }, {}, '60m'],
  ])('prints STATUS %s', (status, jobStatus, meta, duration) => {
    const cells = printed({ metadata: { name: 'pi', creationTimestamp: T1, ...meta }, spec: spec({ completions: 1 }), status: jobStatus as JobStatus });
    expect(cells.slice(1, 4)).toEqual([status, '0/1', duration]);
  });

  it('prints a Complete Job as Complete even while it is being deleted', () => {
    expect(printed({ metadata: { name: 'pi', deletionTimestamp: T2 }, spec: spec(), status: { conditions: [{ type: 'Complete', status: 'True' }] } })[1]).toBe('Complete');
  });

  it('defines and prints NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    expect(cronTable.columns.map((c) => `${c.name}:${c.type}:${c.priority}`)).toEqual([
      'Name:string:0',
      'Schedule:string:0',
      'Timezone:string:0',
      'Suspend:boolean:0',
      'Active:integer:0',
      'Last Schedule:string:0',
      'Age:string:0',
      'Containers:string:1',
      'Images:string:1',
      'Selector:string:1',
    ]);
    const cron = (s: Partial<NonNullable<CronJob['spec']>>, status?: CronJob['status']): unknown[] =>
      cronTable.row({ metadata: { name: 'backup', creationTimestamp: '2026-01-09T12:00:00Z' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'backup:1' }] } } } }, ...s }, ...(status === undefined ? {} : { status }) } as KubeObject, NOW).cells;
    expect(cron({ suspend: false, timeZone: 'Europe/Berlin' }, { active: [{ name: 'backup-1' }, { name: 'backup-2' }], lastScheduleTime: '2026-01-10T11:55:00Z' })).toEqual([
      'backup', '*/5 * * * *', 'Europe/Berlin', 'False', 2, '5m', '24h', 'c', 'backup:1', '<none>',
    ]);
    expect(cron({}).slice(2, 6)).toEqual(['<none>', '<unset>', 0, '<none>']);
    expect(cron({ suspend: true })[3]).toBe('True');
  });
});

describe('batch/v1 strategic merge patch', () => {
  it('merges Job conditions by type and the pod template\'s containers by name', () => {
    const schema = patchSchemaFor({ group: 'batch', version: 'v1', kind: 'Job' });
    const original = {
      spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } },
      status: { conditions: [{ type: 'Suspended', status: 'True' }, { type: 'FailureTarget', status: 'True' }] },
    } as JsonObject;
    const patch = { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } }, status: { conditions: [{ type: 'Suspended', status: 'False' }] } } as JsonObject;
    expect(strategicMergePatch(structuredClone(original), patch, schema)).toEqual({
      spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }] } } },
      status: { conditions: [{ type: 'Suspended', status: 'False' }, { type: 'FailureTarget', status: 'True' }] },
    });
  });

  it('merges a CronJob\'s Job template containers by name and replaces its active list', () => {
    const schema = patchSchemaFor({ group: 'batch', version: 'v1', kind: 'CronJob' });
    const original = {
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } } } },
      status: { active: [{ name: 'j1' }, { name: 'j2' }] },
    } as JsonObject;
    const patch = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2' }] } } } } }, status: { active: [{ name: 'j3' }] } } as JsonObject;
    expect(strategicMergePatch(structuredClone(original), patch, schema)).toEqual({
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2' }, { name: 'b', image: 'b:1' }] } } } } },
      status: { active: [{ name: 'j3' }] },
    });
  });
});

describe('batch/v1 jobs through the REST handlers', () => {
  const store = useStore({ name: 'batch-jobs' });
  const rest = useRestHandlers(store, 11);
  const jobsResource: ResourceType = builtinRegistry().lookup('batch', 'v1', 'jobs')!;
  let handlers: RestHandlers;
  beforeAll(() => {
    handlers = rest().handlers;
  });

  const info = (name: string, subresource = '', verb: RequestInfo['verb'] = 'update'): RequestInfo => ({ verb, group: 'batch', version: 'v1', namespace: 'default', resource: 'jobs', subresource, name });

  it('creates a Job whose selector names its UID, writes its status only through /status, and refuses a selector change', async () => {
    const created = (await handlers.create(jobsResource, info('', '', 'create'), job())).body as Job;
    const uid = created.metadata.uid!;
    expect(uid).not.toBe('');
    expect(created.spec!.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    expect(created.metadata.labels).toMatchObject({ 'controller-uid': uid, 'job-name': 'pi' });

    const withStatus = { ...created, spec: { ...created.spec!, parallelism: 9 }, status: { startTime: T1, active: 1 } } as Job;
    const written = (await handlers.update(jobsResource, info('pi', 'status'), withStatus)).body as Job;
    expect(written.status).toEqual({ startTime: T1, active: 1 });
    expect(written.spec!.parallelism).toBe(1);
    expect(written.metadata.generation).toBe(1);

    const ignored = (await handlers.update(jobsResource, info('pi'), { ...written, status: { active: 7 } } as Job)).body as Job;
    expect(ignored.status).toEqual({ startTime: T1, active: 1 });

    const err = await handlers.update(jobsResource, info('pi'), { ...written, spec: { ...written.spec!, selector: { matchLabels: { app: 'x' } } } } as Job).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status.code).toBe(422);
    expect((err as StatusError).status.message).toMatch(/^Job\.batch "pi" is invalid: \[.*spec\.selector: Invalid value: .*: field is immutable/);
  });
});
