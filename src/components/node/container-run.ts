/**
 * The life of a pod's simulated containers once they start, as a pure function of time: how long each run
 * lasts, how it exits, and whether and when the kubelet starts it again.
 *
 * - A run lasts the annotation `capstan.io/hollow-run-duration` (a duration such as `3s`, `1m30s`, `0s`) and
 *   exits with `capstan.io/hollow-exit-code` (0–255, default 0). Without the duration, a pod whose
 *   restartPolicy is Never or OnFailure runs for the node's default run duration (--pod-run-duration) and one
 *   whose policy is Always runs until it is deleted. An invalid value counts as absent. All containers of a pod
 *   run and exit together.
 * - After an exit the kubelet restarts the containers when the policy says so (kubecontainer
 *   ShouldContainerBeRestarted: Always after any exit, OnFailure after a non-zero one, Never not at all);
 *   otherwise the pod has exited for good (phase Succeeded or Failed).
 * - Restarts follow the kubelet's container back-off (kuberuntime doBackOff over client-go's flowcontrol.Backoff,
 *   10 s initial, 300 s max): the first restart is immediate (the back-off entry does not exist yet, so it is
 *   created at 10 s); after each later exit the kubelet waits the entry's back-off from the exit's finishedAt
 *   (CrashLoopBackOff), then doubles it at the restart, up to 300 s. An entry whose last restart is more than
 *   2 × 300 s older than the exit has expired, so a run longer than 10 minutes is restarted at once every time.
 */
import type { DeepReadonly, Pod, RestartPolicy } from '../../api/index.js';
import { parseDurationMs } from '../../util/duration.js';

/** HOLLOW_RUN_DURATION_ANNOTATION says how long each run of a pod's simulated containers lasts (a duration). */
export const HOLLOW_RUN_DURATION_ANNOTATION = 'capstan.io/hollow-run-duration';
/** HOLLOW_EXIT_CODE_ANNOTATION says the exit code of every run of a pod's simulated containers (0–255). */
export const HOLLOW_EXIT_CODE_ANNOTATION = 'capstan.io/hollow-exit-code';
/** CONTAINER_BACKOFF_INITIAL_MS is the kubelet's first restart back-off (backOffPeriod, 10 s). */
export const CONTAINER_BACKOFF_INITIAL_MS = 10_000;
/** CONTAINER_BACKOFF_MAX_MS is the kubelet's longest restart back-off (MaxContainerBackOff, 300 s). */
export const CONTAINER_BACKOFF_MAX_MS = 300_000;

/** ContainerRunSpec is how a pod's simulated containers behave once started. */
export interface ContainerRunSpec {
  /** runMs is how long each run lasts; undefined: until the pod is deleted. */
  readonly runMs: number | undefined;
  readonly exitCode: number;
  readonly restartPolicy: RestartPolicy;
}

/** ContainerExit is one finished run: the attempt it was (its restartCount), when it ran, how it exited. */
export interface ContainerExit {
  readonly attempt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
}

/**
 * ContainerRun is the state of a pod's containers at some time after they first started:
 *
 * - running: attempt restartCount runs since startedAt, until exitsAt (undefined: forever); previous is the run
 *   before it (the status's lastState);
 * - backOff: run restartCount exited (exit) and the kubelet waits backOffMs before starting the next, at
 *   restartsAt (CrashLoopBackOff); previous is the run before the one that exited;
 * - exited: run restartCount exited and is not restarted.
 */
export type ContainerRun =
  | { readonly kind: 'running'; readonly restartCount: number; readonly startedAt: number; readonly exitsAt?: number; readonly previous?: ContainerExit }
  | { readonly kind: 'backOff'; readonly restartCount: number; readonly exit: ContainerExit; readonly backOffMs: number; readonly restartsAt: number; readonly previous?: ContainerExit }
  | { readonly kind: 'exited'; readonly restartCount: number; readonly exit: ContainerExit; readonly previous?: ContainerExit };

/** parseRunDuration reads the run-duration annotation into whole milliseconds; undefined when absent or invalid. */
export function parseRunDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text.trim());
  return ms === undefined || !Number.isFinite(ms) ? undefined : Math.round(ms);
}

/** parseExitCode reads the exit-code annotation (a whole number 0–255); undefined when absent or invalid. */
export function parseExitCode(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,3}$/.test(text.trim())) return undefined;
  const code = Number(text.trim());
  return code <= 255 ? code : undefined;
}

/** containerRunSpec reads how pod's containers behave from its annotations and restartPolicy; see the module comment. */
export function containerRunSpec(pod: DeepReadonly<Pod>, defaultRunMs: number): ContainerRunSpec {
  const annotations = pod.metadata.annotations ?? {};
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  const annotated = parseRunDuration(annotations[HOLLOW_RUN_DURATION_ANNOTATION]);
  return {
    runMs: annotated ?? (restartPolicy === 'Always' ? undefined : defaultRunMs),
    exitCode: parseExitCode(annotations[HOLLOW_EXIT_CODE_ANNOTATION]) ?? 0,
    restartPolicy,
  };
}

/** restartsAfter reports whether the kubelet restarts a container that exited with exitCode (ShouldContainerBeRestarted). */
export function restartsAfter(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/**
 * backOffAfter is how long the kubelet waits after the exit of run attempt before starting the next: nothing
 * after the first (no back-off entry yet) or when the entry expired during a run longer than 2 × the maximum;
 * otherwise the entry's back-off, 10 s doubled at each restart since, at most 300 s.
 */
export function backOffAfter(attempt: number, runMs: number): number {
  if (attempt === 0 || runMs > 2 * CONTAINER_BACKOFF_MAX_MS) return 0;
  return Math.min(CONTAINER_BACKOFF_INITIAL_MS * 2 ** Math.min(attempt - 1, 30), CONTAINER_BACKOFF_MAX_MS);
}

/** containerRunAt is the state, at now, of containers that first started at startedAt (now ≥ startedAt). */
export function containerRunAt(spec: ContainerRunSpec, startedAt: number, now: number): ContainerRun {
  const runMs = spec.runMs;
  if (runMs === undefined) return { kind: 'running', restartCount: 0, startedAt };
  let attempt = 0;
  let start = startedAt;
  let previous: ContainerExit | undefined;
  for (;;) {
    // Once the back-off stops growing, runs repeat with a fixed period: skip the whole periods before now.
    const backOff = backOffAfter(attempt, runMs);
    if (restartsAfter(spec.restartPolicy, spec.exitCode) && backOff === backOffAfter(attempt + 1, runMs) && backOff + runMs > 0) {
      const period = runMs + backOff;
      const skip = Math.floor((now - start) / period);
      if (skip > 0) {
        attempt += skip;
        start += skip * period;
        previous = { attempt: attempt - 1, startedAt: start - period, finishedAt: start - backOff, exitCode: spec.exitCode };
      }
    }
    const exitsAt = start + runMs;
    if (now < exitsAt) return { kind: 'running', restartCount: attempt, startedAt: start, exitsAt, ...(previous === undefined ? {} : { previous }) };
    const exit: ContainerExit = { attempt, startedAt: start, finishedAt: exitsAt, exitCode: spec.exitCode };
    if (!restartsAfter(spec.restartPolicy, spec.exitCode)) return { kind: 'exited', restartCount: attempt, exit, ...(previous === undefined ? {} : { previous }) };
    const wait = backOffAfter(attempt, runMs);
    if (now < exitsAt + wait) return { kind: 'backOff', restartCount: attempt, exit, backOffMs: wait, restartsAt: exitsAt + wait, ...(previous === undefined ? {} : { previous }) };
    previous = exit;
    start = exitsAt + wait;
    attempt++;
  }
}

/** nextTransitionAt is when run changes state next (an exit or a restart); undefined when it never does. */
export function nextTransitionAt(run: ContainerRun): number | undefined {
  switch (run.kind) {
    case 'running':
      return run.exitsAt;
    case 'backOff':
      return run.restartsAt;
    case 'exited':
      return undefined;
  }
}

/** formatBackOff renders a back-off of whole seconds as Go's time.Duration String does (`10s`, `2m40s`, `5m0s`). */
export function formatBackOff(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
