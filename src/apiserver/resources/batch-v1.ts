/**
 * batch/v1 resources: jobs and cronjobs (+status), as Kubernetes 1.32 serves them.
 *
 * Jobs default as SetDefaults_Job: one completion and one pod at a time when neither is set, six retries (no
 * limit with backoffLimitPerIndex), NonIndexed, not suspended, no manual selector, pods replaced once terminating
 * or failed (only once failed under a pod failure policy), pod condition patterns matching True; a Job without
 * labels takes its template's. The create strategy generates the selector from the Job's UID (assigned before it
 * runs) and labels the template with `batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name` and
 * the legacy `controller-uid` and `job-name`, unless manualSelector. Validation is ValidateJob's, in its words;
 * an update may change neither the selector, completionMode, podFailurePolicy, backoffLimitPerIndex,
 * successPolicy nor managedBy, completions only when an Indexed Job is scaled elastically, and the template
 * only where a suspended Job that never started may (node affinity, node selector, tolerations, labels,
 * annotations, scheduling gates). Status writes are checked as jobStatusStrategy checks them with the
 * JobManagedBy gate on (beta, so on, in 1.32): terminal conditions stay, counters do not go down, finished Jobs
 * are consistent.
 *
 * CronJobs default as SetDefaults_CronJob (Allow, not suspended, three successful and one failed Job kept) and
 * are validated as ValidateCronJobCreate: a standard cron schedule (api/cron-schedule.ts) without TZ= or CRON_TZ=,
 * an IANA time zone, a Job template whose selector is left to the controller, and a name of at most 52
 * characters (the controller adds 11 to name a Job).
 */
import {
  deepCopy,
  FIELD_IMMUTABLE_ERROR_MSG,
  FieldError,
  FieldPath,
  goQuote,
  isDNS1123Label,
  isDNS1123Subdomain,
  isKnownTimeZone,
  isQualifiedName,
  jsonEqual,
  labelSelectorAsSelector,
  LABEL_CONTROLLER_UID,
  LABEL_JOB_NAME,
  LABEL_LEGACY_CONTROLLER_UID,
  LABEL_LEGACY_JOB_NAME,
  OMIT_VALUE,
  parseCronSchedule,
  parseTimestamp,
  regexError,
  validateLabels,
  validateNonnegativeField,
  type CronJob,
  type Job,
  type JobConditionType,
  type JobSpec,
  type JobTemplateSpec,
  type KubeObject,
  type PodFailurePolicyOnExitCodesRequirement,
  type PodFailurePolicyOnPodConditionsPattern,
  type PodFailurePolicyRule,
  type PodTemplateSpec,
  type SuccessPolicyRule,
  type Time,
} from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { asRecord, defineResource, prepareSpecStatusForCreate } from './generic.js';
import { defaultPodTemplate, validatePodSpec } from './pod-spec.js';

/** MAX_INT32 is math.MaxInt32, the backoffLimit of a Job that counts failures per index. */
const MAX_INT32 = 2_147_483_647;
const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;
/** MAX_CRON_JOB_NAME_LENGTH leaves room for the `-<minutes since epoch>` suffix of the Jobs a CronJob creates. */
const MAX_CRON_JOB_NAME_LENGTH = 52;

// The enumerations kube lists in its messages, sorted as sets.List sorts them.
const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const ON_EXIT_CODES_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const POD_REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

/** HTTP_PATH is validation.IsDomainPrefixedPath's pattern for the path after the domain. */
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH = new RegExp(`^${HTTP_PATH_FMT}$`);

/** TIME_ZONE_PART is what one `/`-separated part of a time zone name may be (kube's validTimeZoneCharacters). */
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validValues is Go's `valid values: %q` of a sorted list: `valid values: ["In" "NotIn"]`. */
function validValues(values: readonly string[]): string {
  return `valid values: [${values.map((v) => goQuote(v)).join(' ')}]`;
}

function isEmpty(m: Readonly<Record<string, string>> | undefined): boolean {
  return m === undefined || Object.keys(m).length === 0;
}

/** immutable is ValidateImmutableField over JSON values: the new value, reported when it differs. */
function immutable(newValue: unknown, oldValue: unknown, path: FieldPath): FieldError[] {
  return jsonEqual(newValue, oldValue) ? [] : [FieldError.invalid(path, newValue ?? null, FIELD_IMMUTABLE_ERROR_MSG)];
}

function nonNegative(errs: FieldError[], path: FieldPath, value: number | undefined): void {
  if (value !== undefined) errs.push(...validateNonnegativeField(value, path));
}

// ---- defaults -------------------------------------------------------------------------------------------------

/** defaultPodFailurePolicy is SetDefaults_PodFailurePolicyOnPodConditionsPattern: a pattern matches True. */
function defaultPodFailurePolicy(spec: JobSpec): void {
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule.onPodConditions ?? []) if (!pattern.status) pattern.status = 'True';
  }
}

/** defaultJob is SetDefaults_Job, with the pod template's defaults. */
function defaultJob(o: KubeObject): void {
  const job = o as Job;
  const spec = job.spec;
  if (spec === undefined) return;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex === undefined ? 6 : MAX_INT32;
  // A Job without labels takes its template's. Go's conversion shares the map, so the labels the create strategy
  // then adds to the template show on the Job as well: keep the same object here (prepareForCreate copies it).
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels !== undefined && isEmpty(job.metadata.labels)) job.metadata.labels = templateLabels;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  defaultPodFailurePolicy(spec);
  spec.podReplacementPolicy ??= spec.podFailurePolicy === undefined ? 'TerminatingOrFailed' : 'Failed';
  spec.manualSelector ??= false;
  defaultPodTemplate(spec.template);
}

/**
 * generateSelector is the job strategy's generateSelector: the template gets the job-name and controller-uid
 * labels (prefixed and legacy) it does not have yet, and the selector matches the prefixed controller-uid. A
 * label the client set is left alone; validation then refuses it if it contradicts the Job.
 */
function generateSelector(job: Job): void {
  const spec = job.spec!;
  spec.template ??= {};
  spec.template.metadata ??= {};
  // In place: the Job's labels may be this very object (defaultJob).
  const labels = (spec.template.metadata.labels ??= {});
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  for (const key of [LABEL_LEGACY_JOB_NAME, LABEL_JOB_NAME]) if (!Object.hasOwn(labels, key)) labels[key] = name;
  for (const key of [LABEL_LEGACY_CONTROLLER_UID, LABEL_CONTROLLER_UID]) if (!Object.hasOwn(labels, key)) labels[key] = uid;
  spec.selector ??= {};
  const matchLabels = (spec.selector.matchLabels ??= {});
  if (!Object.hasOwn(matchLabels, LABEL_CONTROLLER_UID)) matchLabels[LABEL_CONTROLLER_UID] = uid;
}

function prepareJobForCreate(o: KubeObject): void {
  prepareSpecStatusForCreate(o);
  const job = o as Job;
  if (job.spec === undefined) return;
  if (job.spec.manualSelector !== true) generateSelector(job);
  // As a read of the stored Job shows it (decoding defaults it again): a Job without labels has its template's.
  const labels = job.spec.template?.metadata?.labels;
  if (labels !== undefined && (job.metadata.labels === labels || isEmpty(job.metadata.labels))) job.metadata.labels = { ...labels };
}

/** defaultCronJob is SetDefaults_CronJob, with the defaults of the Job template's pod template and patterns. */
function defaultCronJob(o: KubeObject): void {
  const spec = (o as CronJob).spec;
  if (spec === undefined) return;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const jobSpec = spec.jobTemplate?.spec;
  if (jobSpec === undefined) return;
  defaultPodFailurePolicy(jobSpec);
  defaultPodTemplate(jobSpec.template);
}

// ---- Job spec validation --------------------------------------------------------------------------------------

/**
 * validateIndexes is validateIndexesFormat: intervals `a` or `a-b`, comma-separated, increasing, below completions.
 * It returns how many indexes the intervals hold, or the error.
 */
function validateIndexes(indexes: string, completions: number): { total: number } | { error: string } {
  if (indexes === '') return { total: 0 };
  let last: number | undefined;
  let total = 0;
  for (const interval of indexes.split(',')) {
    const parsed = parseIndexInterval(interval, completions);
    if ('error' in parsed) return parsed;
    if (last !== undefined && last >= parsed.x) return { error: `non-increasing order, previous: ${last}, current: ${parsed.x}` };
    total += parsed.y - parsed.x + 1;
    last = parsed.y;
  }
  return { total };
}

/** atoi is strconv.Atoi for the index intervals' bounds (an optional sign, decimal digits). */
function atoi(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

function parseIndexInterval(interval: string, completions: number): { x: number; y: number } | { error: string } {
  const limits = interval.split('-');
  if (limits.length > 2) return { error: `the fragment ${goQuote(interval)} violates the requirement that an index interval can have at most two parts separated by '-'` };
  const x = atoi(limits[0]!);
  if (x === undefined) return { error: `cannot convert string to integer for index: ${goQuote(limits[0]!)}` };
  if (x >= completions) return { error: `too large index: ${goQuote(limits[0]!)}` };
  if (limits.length === 1) return { x, y: x };
  const y = atoi(limits[1]!);
  if (y === undefined) return { error: `cannot convert string to integer for index: ${goQuote(limits[1]!)}` };
  if (y >= completions) return { error: `too large index: ${goQuote(limits[1]!)}` };
  if (x >= y) return { error: `non-increasing order, previous: ${x}, current: ${y}` };
  return { x, y };
}

/** validateDomainPrefixedPath is validation.IsDomainPrefixedPath (managedBy: `acme.io/foo`). */
function validateDomainPrefixedPath(path: FieldPath, value: string): FieldError[] {
  if (value === '') return [FieldError.required(path, '')];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host === '' || rest === '') return [FieldError.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((msg) => FieldError.invalid(path, host, msg));
  if (!HTTP_PATH.test(rest)) errs.push(FieldError.invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}

function validateOnExitCodes(req: PodFailurePolicyOnExitCodesRequirement, path: FieldPath, containerNames: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const operator: string = req.operator ?? '';
  if (operator === '') errs.push(FieldError.required(path.child('operator'), validValues(ON_EXIT_CODES_OPERATORS)));
  else if (!ON_EXIT_CODES_OPERATORS.includes(operator)) errs.push(FieldError.notSupported(path.child('operator'), operator, ON_EXIT_CODES_OPERATORS));
  if (req.containerName !== undefined && req.containerName !== null && !containerNames.has(req.containerName)) {
    errs.push(FieldError.invalid(path.child('containerName'), req.containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  const values = req.values ?? [];
  const valuesPath = path.child('values');
  if (values.length === 0) errs.push(FieldError.invalid(valuesPath, values, 'at least one value is required'));
  else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(FieldError.tooMany(valuesPath, values.length, MAX_ON_EXIT_CODES_VALUES));
  const seen = new Set<number>();
  let ordered = true;
  values.forEach((v, j) => {
    if (operator === 'In' && v === 0) errs.push(FieldError.invalid(valuesPath.index(j), v, 'must not be 0 for the In operator'));
    if (seen.has(v)) errs.push(FieldError.duplicate(valuesPath.index(j), v));
    else seen.add(v);
    if (j > 0 && values[j - 1]! > v) ordered = false;
  });
  if (!ordered) errs.push(FieldError.invalid(valuesPath, values, 'must be ordered'));
  return errs;
}

function validateOnPodConditions(patterns: readonly PodFailurePolicyOnPodConditionsPattern[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(FieldError.tooMany(path, patterns.length, MAX_ON_POD_CONDITIONS_PATTERNS));
  patterns.forEach((pattern, j) => {
    const p = path.index(j);
    const type = pattern.type ?? '';
    for (const msg of isQualifiedName(type)) errs.push(FieldError.invalid(p.child('type'), type, msg));
    const status: string = pattern.status ?? '';
    if (status === '') errs.push(FieldError.required(p.child('status'), validValues(CONDITION_STATUSES)));
    else if (!CONDITION_STATUSES.includes(status)) errs.push(FieldError.notSupported(p.child('status'), status, CONDITION_STATUSES));
  });
  return errs;
}

function validatePodFailurePolicyRule(spec: JobSpec, rule: PodFailurePolicyRule, path: FieldPath, containerNames: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const action: string = rule.action ?? '';
  const actionPath = path.child('action');
  if (action === '') errs.push(FieldError.required(actionPath, validValues(POD_FAILURE_POLICY_ACTIONS)));
  else if (action === 'FailIndex') {
    if (spec.backoffLimitPerIndex === undefined) errs.push(FieldError.invalid(actionPath, action, 'requires the backoffLimitPerIndex to be set'));
  } else if (!POD_FAILURE_POLICY_ACTIONS.includes(action)) errs.push(FieldError.notSupported(actionPath, action, POD_FAILURE_POLICY_ACTIONS));
  const onExitCodes = rule.onExitCodes ?? undefined;
  const onPodConditions = rule.onPodConditions ?? [];
  if (onExitCodes !== undefined) errs.push(...validateOnExitCodes(onExitCodes, path.child('onExitCodes'), containerNames));
  if (onPodConditions.length > 0) errs.push(...validateOnPodConditions(onPodConditions, path.child('onPodConditions')));
  if (onExitCodes !== undefined && onPodConditions.length > 0) errs.push(FieldError.invalid(path, OMIT_VALUE, 'specifying both OnExitCodes and OnPodConditions is not supported'));
  if (onExitCodes === undefined && onPodConditions.length === 0) errs.push(FieldError.invalid(path, OMIT_VALUE, 'specifying one of OnExitCodes and OnPodConditions is required'));
  return errs;
}

function validatePodFailurePolicy(spec: JobSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.podFailurePolicy?.rules ?? [];
  const rulesPath = path.child('rules');
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(FieldError.tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const podSpec = spec.template?.spec;
  const containerNames = new Set([...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])].map((c) => c.name));
  rules.forEach((rule, i) => errs.push(...validatePodFailurePolicyRule(spec, rule, rulesPath.index(i), containerNames)));
  return errs;
}

function validateSuccessPolicyRule(spec: JobSpec, rule: SuccessPolicyRule, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (rule.succeededCount === undefined && rule.succeededIndexes === undefined) {
    errs.push(FieldError.required(path, 'at least one of succeededCount or succeededIndexes must be specified'));
  }
  const completions = spec.completions ?? 0;
  let total = 0;
  if (rule.succeededIndexes !== undefined) {
    const indexesPath = path.child('succeededIndexes');
    if (rule.succeededIndexes.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(FieldError.tooLong(indexesPath, rule.succeededIndexes, MAX_SUCCEEDED_INDEXES_LENGTH));
    const parsed = validateIndexes(rule.succeededIndexes, completions);
    if ('error' in parsed) errs.push(FieldError.invalid(indexesPath, rule.succeededIndexes, `error parsing succeededIndexes: ${parsed.error}`));
    else total = parsed.total;
  }
  if (rule.succeededCount !== undefined) {
    const countPath = path.child('succeededCount');
    errs.push(...validateNonnegativeField(rule.succeededCount, countPath));
    if (rule.succeededCount > completions) {
      errs.push(FieldError.invalid(countPath, rule.succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`));
    }
    if (rule.succeededIndexes !== undefined && rule.succeededCount > total) {
      errs.push(FieldError.invalid(countPath, rule.succeededCount, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`));
    }
  }
  return errs;
}

function validateSuccessPolicy(spec: JobSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.successPolicy?.rules ?? [];
  const rulesPath = path.child('rules');
  if (rules.length === 0) errs.push(FieldError.required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(FieldError.tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  rules.forEach((rule, i) => errs.push(...validateSuccessPolicyRule(spec, rule, rulesPath.index(i))));
  return errs;
}

function validateIndexedFields(spec: JobSpec, path: FieldPath, errs: FieldError[]): void {
  const { completions, parallelism, maxFailedIndexes, backoffLimitPerIndex } = spec;
  if (completions === undefined) errs.push(FieldError.required(path.child('completions'), 'when completion mode is Indexed'));
  if (parallelism !== undefined && parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
    errs.push(FieldError.invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
  }
  if (completions !== undefined && maxFailedIndexes !== undefined && maxFailedIndexes > completions) {
    errs.push(FieldError.invalid(path.child('maxFailedIndexes'), maxFailedIndexes, 'must be less than or equal to completions'));
  }
  if (maxFailedIndexes !== undefined && maxFailedIndexes > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
    errs.push(FieldError.invalid(path.child('maxFailedIndexes'), maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
  }
  if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && backoffLimitPerIndex !== undefined) {
    const high = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
    if (maxFailedIndexes === undefined) errs.push(FieldError.required(path.child('maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
    if (parallelism !== undefined && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
      errs.push(FieldError.invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} ${high}`));
    }
    if (maxFailedIndexes !== undefined && maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
      errs.push(FieldError.invalid(path.child('maxFailedIndexes'), maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} ${high}`));
    }
  }
}

/** validatePodTemplate is ValidatePodTemplateSpec as far as capstan models it, and a Job's restart policy. */
function validateJobPodTemplate(spec: JobSpec, path: FieldPath): FieldError[] {
  const templatePath = path.child('template');
  const errs = [...validateLabels(spec.template?.metadata?.labels, templatePath.child('metadata', 'labels')), ...validatePodSpec(spec.template?.spec, templatePath.child('spec'))];
  const restartPath = templatePath.child('spec', 'restartPolicy');
  const restart = spec.template?.spec?.restartPolicy ?? '';
  // Pod defaulting makes an unset policy Always, so both mean the client did not choose one.
  if (restart === '' || restart === 'Always') errs.push(FieldError.required(restartPath, 'valid values: "OnFailure", "Never"'));
  else if (restart !== 'OnFailure' && restart !== 'Never') errs.push(FieldError.notSupported(restartPath, restart, ['OnFailure', 'Never']));
  else if (spec.podFailurePolicy !== undefined && restart !== 'Never') errs.push(FieldError.invalid(restartPath, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

/** validateJobSpec is kube's validateJobSpec: a Job's spec or a CronJob's Job template, the selector aside. */
function validateJobSpec(spec: JobSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  nonNegative(errs, path.child('parallelism'), spec.parallelism);
  nonNegative(errs, path.child('completions'), spec.completions);
  nonNegative(errs, path.child('activeDeadlineSeconds'), spec.activeDeadlineSeconds);
  nonNegative(errs, path.child('backoffLimit'), spec.backoffLimit);
  nonNegative(errs, path.child('ttlSecondsAfterFinished'), spec.ttlSecondsAfterFinished);
  nonNegative(errs, path.child('backoffLimitPerIndex'), spec.backoffLimitPerIndex);
  if (spec.maxFailedIndexes !== undefined) {
    nonNegative(errs, path.child('maxFailedIndexes'), spec.maxFailedIndexes);
    if (spec.backoffLimitPerIndex === undefined) errs.push(FieldError.required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (spec.managedBy !== undefined) {
    errs.push(...validateDomainPrefixedPath(path.child('managedBy'), spec.managedBy));
    if (spec.managedBy.length > MAX_MANAGED_BY_LENGTH) errs.push(FieldError.tooLong(path.child('managedBy'), spec.managedBy, MAX_MANAGED_BY_LENGTH));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(FieldError.notSupported(path.child('completionMode'), mode, ['NonIndexed', 'Indexed']));
  if (mode === 'Indexed') validateIndexedFields(spec, path, errs);
  if (mode === undefined || mode === 'NonIndexed') {
    if (spec.backoffLimitPerIndex !== undefined) errs.push(FieldError.invalid(path.child('backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (spec.maxFailedIndexes !== undefined) errs.push(FieldError.invalid(path.child('maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (spec.podFailurePolicy !== undefined) errs.push(...validatePodFailurePolicy(spec, path.child('podFailurePolicy')));
  if (spec.successPolicy !== undefined) {
    if (mode !== 'Indexed') errs.push(FieldError.invalid(path.child('successPolicy'), spec.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(spec, path.child('successPolicy')));
  }
  const replacement = spec.podReplacementPolicy;
  if (replacement !== undefined) {
    const allowed = spec.podFailurePolicy === undefined ? POD_REPLACEMENT_POLICIES : ['Failed'];
    if (!allowed.includes(replacement)) errs.push(FieldError.notSupported(path.child('podReplacementPolicy'), replacement, allowed));
  }
  errs.push(...validateJobPodTemplate(spec, path));
  return errs;
}

/** validateHasLabel is ValidateHasLabel: the template carries key with the expected value. */
function validateHasLabel(labels: Readonly<Record<string, string>>, path: FieldPath, key: string, expected: string): FieldError[] {
  if (!Object.hasOwn(labels, key)) return [FieldError.required(path.child('labels').key(key), `must be '${expected}'`)];
  return labels[key] === expected ? [] : [FieldError.invalid(path.child('labels').key(key), labels, `must be '${expected}'`)];
}

/**
 * validateGeneratedSelector is kube's: unless manualSelector, the template carries the generated labels with the
 * Job's name and UID, and the selector selects nothing else.
 */
function validateGeneratedSelector(job: Job): FieldError[] {
  const spec = job.spec;
  if (spec === undefined || spec.manualSelector === true || spec.selector === undefined) return [];
  const errs: FieldError[] = [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  if (uid === '') errs.push(FieldError.required(FieldPath.root('metadata', 'uid'), ''));
  const metaPath = FieldPath.root('spec', 'template', 'metadata');
  const labels = spec.template?.metadata?.labels ?? {};
  const expected: Record<string, string> = { [LABEL_LEGACY_CONTROLLER_UID]: uid, [LABEL_LEGACY_JOB_NAME]: name, [LABEL_CONTROLLER_UID]: uid, [LABEL_JOB_NAME]: name };
  for (const [key, value] of Object.entries(expected)) errs.push(...validateHasLabel(labels, metaPath, key, value));
  try {
    if (!labelSelectorAsSelector(spec.selector).matches(expected)) errs.push(FieldError.invalid(FieldPath.root('spec', 'selector'), spec.selector, '`selector` not auto-generated'));
  } catch {
    // An unparseable selector is reported by the spec's validation.
  }
  return errs;
}

/** validateJob is ValidateJob without the metadata (the handler checks it): create, and the base of updates. */
function validateJob(o: KubeObject): FieldError[] {
  const job = o as Job;
  const spec: JobSpec = job.spec ?? ({} as JobSpec);
  const path = FieldPath.root('spec');
  const errs = [...validateGeneratedSelector(job), ...validateJobSpec(spec, path)];
  if (spec.selector === undefined) errs.push(FieldError.required(path.child('selector'), ''));
  const labels = spec.template?.metadata?.labels;
  try {
    if (!labelSelectorAsSelector(spec.selector).matches(labels ?? {})) {
      errs.push(FieldError.invalid(path.child('template', 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
    }
  } catch (err) {
    errs.push(FieldError.invalid(path.child('selector'), spec.selector, (err as Error).message));
  }
  if (spec.completionMode === 'Indexed' && spec.completions !== undefined && spec.completions > 0) {
    // Indexed pods are named `<job>-<index>`, and so are their hostnames.
    const hostname = `${job.metadata.name ?? ''}-${spec.completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      errs.push(FieldError.invalid(FieldPath.root('metadata', 'name'), job.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/**
 * validateTemplateUpdate keeps the pod template immutable, except that a Job suspended before it ever started may
 * change its node affinity, node selector, tolerations, scheduling gates, labels and annotations (Kubernetes
 * 1.32's AllowMutableSchedulingDirectives).
 */
function validateTemplateUpdate(job: Job, old: Job): FieldError[] {
  const template = job.spec?.template;
  let oldTemplate: PodTemplateSpec | undefined = old.spec?.template;
  const mutableScheduling = old.spec?.suspend === true && (old.status?.startTime ?? undefined) === undefined;
  if (mutableScheduling && oldTemplate !== undefined) {
    const merged = deepCopy(oldTemplate);
    const spec = asRecord(merged.spec);
    const newSpec = asRecord(template?.spec);
    const affinity = spec['affinity'] === undefined ? undefined : asRecord(spec['affinity']);
    const newAffinity = newSpec['affinity'] === undefined ? undefined : asRecord(newSpec['affinity']);
    if (newAffinity === undefined && affinity !== undefined) {
      delete affinity['nodeAffinity'];
      if (Object.values(affinity).every((v) => v === undefined)) delete spec['affinity'];
    } else if (newAffinity !== undefined && affinity === undefined) {
      spec['affinity'] = { nodeAffinity: newAffinity['nodeAffinity'] };
    } else if (newAffinity !== undefined && affinity !== undefined) {
      affinity['nodeAffinity'] = newAffinity['nodeAffinity'];
    }
    for (const field of ['nodeSelector', 'tolerations', 'schedulingGates']) spec[field] = newSpec[field];
    merged.metadata = { ...(merged.metadata ?? {}), annotations: template?.metadata?.annotations, labels: template?.metadata?.labels };
    oldTemplate = merged;
  }
  return immutable(template, oldTemplate, FieldPath.root('spec', 'template'));
}

/** validateJobUpdate is ValidateJobSpecUpdate's immutability (validateJob checks the spec itself). */
function validateJobUpdate(o: KubeObject, oldObj: KubeObject): FieldError[] {
  const job = o as Job;
  const old = oldObj as Job;
  const spec = job.spec ?? ({} as JobSpec);
  const oldSpec = old.spec ?? ({} as JobSpec);
  const path = FieldPath.root('spec');
  const errs: FieldError[] = [];
  if (!jsonEqual(spec.completions, oldSpec.completions)) {
    // Only an Indexed Job's completions may change, and only with parallelism (elastic Indexed Jobs, GA in 1.31).
    if (spec.completionMode !== 'Indexed') errs.push(...immutable(spec.completions, oldSpec.completions, path.child('completions')));
    else if (spec.completions !== undefined && spec.completions !== spec.parallelism) {
      errs.push(FieldError.invalid(path.child('completions'), spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  errs.push(...immutable(spec.selector, oldSpec.selector, path.child('selector')));
  errs.push(...validateTemplateUpdate(job, old));
  errs.push(...immutable(spec.completionMode, oldSpec.completionMode, path.child('completionMode')));
  errs.push(...immutable(spec.podFailurePolicy, oldSpec.podFailurePolicy, path.child('podFailurePolicy')));
  errs.push(...immutable(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, path.child('backoffLimitPerIndex')));
  errs.push(...immutable(spec.managedBy, oldSpec.managedBy, path.child('managedBy')));
  errs.push(...immutable(spec.successPolicy, oldSpec.successPolicy, path.child('successPolicy')));
  return errs;
}

// ---- Job status validation ------------------------------------------------------------------------------------

function conditionTrue(job: Job, type: JobConditionType): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

function isFinished(job: Job): boolean {
  return conditionTrue(job, 'Complete') || conditionTrue(job, 'Failed');
}

function timeMs(t: Time | null | undefined): number | undefined {
  if (t === undefined || t === null || t === '') return undefined;
  try {
    return parseTimestamp(t);
  } catch {
    return undefined;
  }
}

/** parseIndexList reads `1,3-5` leniently, skipping intervals that do not parse (the format check reports them). */
function parseIndexList(indexes: string, completions: number): { x: number; y: number }[] {
  if (indexes === '') return [];
  return indexes.split(',').flatMap((i) => {
    const parsed = parseIndexInterval(i, completions);
    return 'error' in parsed ? [] : [parsed];
  });
}

/** failedOverlapsCompleted is validateFailedIndexesNotOverlapCompleted: the first index in both lists, if any. */
function failedOverlapsCompleted(completed: string, failed: string, completions: number): number | undefined {
  const c = parseIndexList(completed, completions);
  const f = parseIndexList(failed, completions);
  let i = 0;
  let j = 0;
  while (i < c.length && j < f.length) {
    const a = c[i]!;
    const b = f[j]!;
    if (a.x <= b.y && b.x <= a.y) return Math.max(a.x, b.x);
    if (a.x <= b.x) i++;
    else j++;
  }
  return undefined;
}

/**
 * validateJobStatusUpdate is ValidateJobUpdateStatus with the options jobStatusStrategy sets while JobManagedBy
 * is on: most rules apply only when the fields they read change, so the controller can fix a status a spec
 * change made inconsistent (completedIndexes beyond a scaled-down Indexed Job's completions, say).
 */
function validateJobStatusUpdate(o: KubeObject, oldObj: KubeObject): FieldError[] {
  const job = o as Job;
  const old = oldObj as Job;
  const status = job.status ?? {};
  const before = old.status ?? {};
  const spec = job.spec ?? ({} as JobSpec);
  const path = FieldPath.root('status');
  const errs: FieldError[] = [];
  nonNegative(errs, path.child('active'), status.active);
  nonNegative(errs, path.child('succeeded'), status.succeeded);
  nonNegative(errs, path.child('failed'), status.failed);
  nonNegative(errs, path.child('ready'), status.ready);
  nonNegative(errs, path.child('terminating'), status.terminating);
  const uncounted = status.uncountedTerminatedPods;
  if (uncounted !== undefined) {
    const seen = new Set<string>();
    for (const list of ['succeeded', 'failed'] as const) {
      (uncounted[list] ?? []).forEach((uid, i) => {
        const p = path.child('uncountedTerminatedPods', list).index(i);
        if (uid === '') errs.push(FieldError.invalid(p, uid, 'must not be empty'));
        else if (seen.has(uid)) errs.push(FieldError.duplicate(p, uid));
        else seen.add(uid);
      });
    }
  }

  const complete = conditionTrue(job, 'Complete');
  const failed = conditionTrue(job, 'Failed');
  const failureTarget = conditionTrue(job, 'FailureTarget');
  const successCriteriaMet = conditionTrue(job, 'SuccessCriteriaMet');
  const finished = isFinished(job);
  const completeChanged = complete !== conditionTrue(old, 'Complete');
  const failedChanged = failed !== conditionTrue(old, 'Failed');
  const failureTargetChanged = failureTarget !== conditionTrue(old, 'FailureTarget');
  const finishedChanged = finished !== isFinished(old);
  const completedIndexes = status.completedIndexes ?? '';
  const completedIndexesChanged = completedIndexes !== (before.completedIndexes ?? '');
  const failedIndexesChanged = status.failedIndexes !== before.failedIndexes;
  const activeChanged = (status.active ?? 0) !== (before.active ?? 0);
  const startTime = timeMs(status.startTime);
  const completionTime = timeMs(status.completionTime);
  const oldStartTime = timeMs(before.startTime);
  const oldCompletionTime = timeMs(before.completionTime);
  const startTimeChanged = startTime !== oldStartTime;
  const completionTimeChanged = completionTime !== oldCompletionTime;
  const uncountedChanged = !jsonEqual(status.uncountedTerminatedPods, before.uncountedTerminatedPods);
  const conditions = path.child('conditions');

  if ((completeChanged || failedChanged) && complete && failed) errs.push(FieldError.invalid(conditions, OMIT_VALUE, 'cannot set Complete=True and Failed=true conditions'));
  if ((completeChanged || failureTargetChanged) && complete && failureTarget) {
    errs.push(FieldError.invalid(conditions, OMIT_VALUE, 'cannot set Complete=True and FailureTarget=true conditions'));
  }
  if (completeChanged || completionTimeChanged) {
    if (completionTime !== undefined && !complete) {
      errs.push(FieldError.invalid(path.child('completionTime'), status.completionTime, 'cannot set completionTime when there is no Complete=True condition'));
    }
    if (completionTime === undefined && complete) errs.push(FieldError.required(path.child('completionTime'), 'completionTime is required for Complete jobs'));
  }
  if ((startTimeChanged || completionTimeChanged) && startTime !== undefined && completionTime !== undefined && completionTime < startTime) {
    errs.push(FieldError.invalid(path.child('completionTime'), status.completionTime, 'completionTime cannot be set before startTime'));
  }
  if ((finishedChanged || activeChanged) && (status.active ?? 0) > 0 && finished) {
    errs.push(FieldError.invalid(path.child('active'), status.active, 'active>0 is invalid for finished job'));
  }
  if ((finishedChanged || startTimeChanged) && startTime === undefined && finished) errs.push(FieldError.required(path.child('startTime'), 'startTime is required for finished job'));
  if ((finishedChanged || uncountedChanged) && finished && (uncounted?.succeeded ?? []).length + (uncounted?.failed ?? []).length > 0) {
    errs.push(FieldError.invalid(path.child('uncountedTerminatedPods'), uncounted, 'uncountedTerminatedPods needs to be empty for finished job'));
  }
  const completions = spec.completions;
  if (completedIndexesChanged && completions !== undefined) {
    const parsed = validateIndexes(completedIndexes, completions);
    if ('error' in parsed) errs.push(FieldError.invalid(path.child('completedIndexes'), completedIndexes, `error parsing completedIndexes: ${parsed.error}`));
  }
  if (failedIndexesChanged && completions !== undefined && spec.backoffLimitPerIndex !== undefined && status.failedIndexes !== undefined) {
    const parsed = validateIndexes(status.failedIndexes, completions);
    if ('error' in parsed) errs.push(FieldError.invalid(path.child('failedIndexes'), status.failedIndexes, `error parsing failedIndexes: ${parsed.error}`));
  }
  const indexed = spec.completionMode === 'Indexed';
  if (completedIndexesChanged && completedIndexes !== '' && !indexed) {
    errs.push(FieldError.invalid(path.child('completedIndexes'), completedIndexes, 'cannot set non-empty completedIndexes when non-indexed completion mode'));
  }
  if (failedIndexesChanged && spec.backoffLimitPerIndex === undefined && status.failedIndexes !== undefined) {
    errs.push(FieldError.invalid(path.child('failedIndexes'), status.failedIndexes, 'cannot set non-null failedIndexes when backoffLimitPerIndex is null'));
  }
  if ((failedIndexesChanged || completedIndexesChanged) && completions !== undefined && status.failedIndexes !== undefined) {
    const overlap = failedOverlapsCompleted(completedIndexes, status.failedIndexes, completions);
    if (overlap !== undefined) errs.push(FieldError.invalid(path.child('failedIndexes'), status.failedIndexes, `failedIndexes and completedIndexes overlap at index: ${overlap}`));
  }
  // With JobPodReplacementPolicy on (beta, the default since 1.29) the status strategy allows SuccessCriteriaMet in the
  // extended scope: the Job controller sets it on every Job that reached its completions, before Complete
  // (AllowForSuccessCriteriaMetInExtendedScope), so neither a NonIndexed Job nor one without successPolicy is refused.
  if (successCriteriaMet && failed) errs.push(FieldError.invalid(conditions, OMIT_VALUE, 'cannot set SuccessCriteriaMet=True and Failed=true conditions'));
  if (successCriteriaMet && failureTarget) errs.push(FieldError.invalid(conditions, OMIT_VALUE, 'cannot set SuccessCriteriaMet=True and FailureTarget=true conditions'));
  if (spec.successPolicy !== undefined && !successCriteriaMet && complete) {
    errs.push(FieldError.invalid(conditions, OMIT_VALUE, 'cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True'));
  }

  // Transitions.
  for (const type of ['Failed', 'Complete', 'FailureTarget'] as const) {
    if (conditionTrue(old, type) && !conditionTrue(job, type)) errs.push(FieldError.invalid(conditions, OMIT_VALUE, `cannot disable the terminal ${type}=True condition`));
  }
  if ((status.failed ?? 0) < (before.failed ?? 0)) errs.push(FieldError.invalid(path.child('failed'), status.failed ?? 0, 'cannot decrease the failed counter'));
  // An elastic Indexed Job (completions kept equal to parallelism) may lose succeeded pods when scaled down.
  const elastic = indexed && spec.completions === spec.parallelism;
  if (!elastic && (status.succeeded ?? 0) < (before.succeeded ?? 0)) {
    errs.push(FieldError.invalid(path.child('succeeded'), status.succeeded ?? 0, 'cannot decrease the succeeded counter'));
  }
  if (completionTime !== undefined && oldCompletionTime !== undefined && completionTime !== oldCompletionTime) {
    errs.push(FieldError.invalid(path.child('completionTime'), status.completionTime, 'completionTime cannot be mutated'));
  }
  // A Job being resumed restarts its startTime (kube 1.32.x, kubernetes#135128: the old status says Suspended).
  if (startTimeChanged && oldStartTime !== undefined && spec.suspend !== true && !conditionTrue(old, 'Suspended')) {
    errs.push(FieldError.required(path.child('startTime'), 'startTime cannot be removed for unsuspended job'));
  }
  if (conditionTrue(old, 'SuccessCriteriaMet') && !successCriteriaMet) errs.push(FieldError.invalid(conditions, OMIT_VALUE, 'cannot disable the SuccessCriteriaMet=True condition'));
  if (conditionTrue(old, 'Complete') && !conditionTrue(old, 'SuccessCriteriaMet') && successCriteriaMet) {
    errs.push(FieldError.invalid(conditions, OMIT_VALUE, 'cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions'));
  }
  return errs;
}

// ---- CronJob validation ---------------------------------------------------------------------------------------

/** validateTimeZone is kube's: a name of IANA's shape that the time zone database knows, never Local. */
function validateTimeZone(timeZone: string | undefined, path: FieldPath): FieldError[] {
  if (timeZone === undefined) return [];
  if (timeZone === '') return [FieldError.invalid(path, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) return [FieldError.invalid(path, timeZone, `unknown time zone ${timeZone}`)];
  }
  const errs: FieldError[] = [];
  if (timeZone.toLowerCase() === 'local') errs.push(FieldError.invalid(path, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  // time.LoadLocation: UTC is built in, Local is the process zone; anything else is looked up.
  if (timeZone !== 'UTC' && timeZone !== 'Local' && !isKnownTimeZone(timeZone)) errs.push(FieldError.invalid(path, timeZone, `unknown time zone ${timeZone}`));
  return errs;
}

/** validateJobTemplate is ValidateJobTemplateSpec: a Job spec whose selector is left to the Job's create strategy. */
function validateJobTemplate(template: JobTemplateSpec | undefined, path: FieldPath): FieldError[] {
  const spec: JobSpec = template?.spec ?? ({} as JobSpec);
  const specPath = path.child('spec');
  const errs = validateJobSpec(spec, specPath);
  if (spec.selector !== undefined) errs.push(FieldError.invalid(specPath.child('selector'), spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(FieldError.notSupported(specPath.child('manualSelector'), true, ['nil', 'false']));
  return errs;
}

/** validateCronJob is ValidateCronJobCreate without the metadata (the handler checks it). */
function validateCronJob(o: KubeObject): FieldError[] {
  const cj = o as CronJob;
  const spec = cj.spec;
  const path = FieldPath.root('spec');
  const errs: FieldError[] = [];
  const schedule = spec?.schedule ?? '';
  const schedulePath = path.child('schedule');
  if (schedule === '') errs.push(FieldError.required(schedulePath, ''));
  else {
    const parsed = parseCronSchedule(schedule);
    if (parsed.error !== undefined) errs.push(FieldError.invalid(schedulePath, schedule, parsed.error));
    // Kubernetes 1.32 takes the zone from spec.timeZone only (a stored schedule with TZ stays valid, but capstan
    // never stored one).
    if (schedule.includes('TZ')) errs.push(FieldError.invalid(schedulePath, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  nonNegative(errs, path.child('startingDeadlineSeconds'), spec?.startingDeadlineSeconds);
  errs.push(...validateTimeZone(spec?.timeZone, path.child('timeZone')));
  const policy = spec?.concurrencyPolicy ?? '';
  if (policy === '') errs.push(FieldError.required(path.child('concurrencyPolicy'), ''));
  else if (!CONCURRENCY_POLICIES.includes(policy)) errs.push(FieldError.notSupported(path.child('concurrencyPolicy'), policy, CONCURRENCY_POLICIES));
  errs.push(...validateJobTemplate(spec?.jobTemplate, path.child('jobTemplate')));
  nonNegative(errs, path.child('successfulJobsHistoryLimit'), spec?.successfulJobsHistoryLimit);
  nonNegative(errs, path.child('failedJobsHistoryLimit'), spec?.failedJobsHistoryLimit);
  const name = cj.metadata.name ?? '';
  // Kubernetes checks this on create only, to keep older, longer names updatable; capstan never stored one.
  if (name.length > MAX_CRON_JOB_NAME_LENGTH) errs.push(FieldError.invalid(FieldPath.root('metadata', 'name'), name, `must be no more than ${MAX_CRON_JOB_NAME_LENGTH} characters`));
  return errs;
}

/** JOB_DELETE_WARNING is kube's warning on deleting a Job without a propagation policy (job storage's deleteOptionWarnings). */
export const JOB_DELETE_WARNING =
  'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning';

const jobs = defineResource({
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  resource: 'jobs',
  namespaced: true,
  categories: ['all'],
  hasStatus: true,
  fields: { 'status.successful': (o) => String((o as Job).status?.succeeded ?? 0) },
  defaults: defaultJob,
  prepareForCreate: prepareJobForCreate,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  validateStatusUpdate: validateJobStatusUpdate,
  // batch/v1 keeps the pods of a Job deleted without a policy (kube's jobStrategy, for backward compatibility).
  orphansByDefault: { warning: JOB_DELETE_WARNING },
});

const cronjobs = defineResource({
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  resource: 'cronjobs',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  hasStatus: true,
  defaults: defaultCronJob,
  validate: validateCronJob,
  // kube's cronJobStatusStrategy validates nothing of a status write.
  validateStatusUpdate: () => [],
});

/** BATCH_V1 lists the batch/v1 resources capstan serves, in the order kube-apiserver's discovery lists them. */
export const BATCH_V1: readonly ResourceType[] = [cronjobs, jobs];
