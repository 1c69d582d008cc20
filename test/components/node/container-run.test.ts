/**
 * The simulated containers' life after they start: the annotations and restartPolicy that shape it, and the
 * kubelet's restart back-off (first restart at once, then 10 s doubling to 300 s, reset by runs over 10 min),
 * checked against a step-by-step model of kuberuntime's doBackOff over flowcontrol.Backoff.
 */
import { describe, expect, it } from 'vitest';
import type { Pod, RestartPolicy } from '../../../src/api/index.js';
import {
  backOffAfter,
  containerRunAt,
  containerRunSpec,
  formatBackOff,
  HOLLOW_EXIT_CODE_ANNOTATION,
  HOLLOW_RUN_DURATION_ANNOTATION,
  type ContainerRun,
  type ContainerRunSpec,
} from '../../../src/components/node/container-run.js';

function podWith(restartPolicy: RestartPolicy | undefined, annotations: Record<string, string>): Pod {
  return { metadata: { name: 'p', namespace: 'default', annotations }, spec: { containers: [{ name: 'a' }], ...(restartPolicy === undefined ? {} : { restartPolicy }) } };
}

/**
 * kubeletModel replays what the kubelet does, one sync per exit or back-off end, with a backoff entry
 * ({backoff, lastUpdate}) as client-go keeps it: IsInBackOffSince(exit) then Next(exit) at the restart.
 */
function kubeletModel(spec: ContainerRunSpec, now: number): ContainerRun {
  const runMs = spec.runMs!;
  const max = 300_000;
  let entry: { backoff: number; lastUpdate: number } | undefined;
  let attempt = 0;
  let start = 0;
  let previous: { attempt: number; startedAt: number; finishedAt: number; exitCode: number } | undefined;
  for (;;) {
    const exitAt = start + runMs;
    if (now < exitAt) return { kind: 'running', restartCount: attempt, startedAt: start, exitsAt: exitAt, ...(previous === undefined ? {} : { previous }) };
    const exit = { attempt, startedAt: start, finishedAt: exitAt, exitCode: spec.exitCode };
    const restart = spec.restartPolicy === 'Always' || (spec.restartPolicy === 'OnFailure' && spec.exitCode !== 0);
    if (!restart) return { kind: 'exited', restartCount: attempt, exit, ...(previous === undefined ? {} : { previous }) };
    const expired = entry === undefined || exitAt - entry.lastUpdate > 2 * max;
    const restartAt = expired ? exitAt : exitAt + entry!.backoff;
    if (now < restartAt) return { kind: 'backOff', restartCount: attempt, exit, backOffMs: entry!.backoff, restartsAt: restartAt, ...(previous === undefined ? {} : { previous }) };
    entry = expired ? { backoff: 10_000, lastUpdate: restartAt } : { backoff: Math.min(entry!.backoff * 2, max), lastUpdate: restartAt };
    previous = exit;
    start = restartAt;
    attempt++;
  }
}

describe('containerRunSpec', () => {
  it.each<[string, RestartPolicy | undefined, Record<string, string>, ContainerRunSpec]>([
    ['Never runs for the default duration and exits 0', 'Never', {}, { runMs: 5_000, exitCode: 0, restartPolicy: 'Never' }],
    ['OnFailure too', 'OnFailure', {}, { runMs: 5_000, exitCode: 0, restartPolicy: 'OnFailure' }],
    ['Always runs until deleted', 'Always', {}, { runMs: undefined, exitCode: 0, restartPolicy: 'Always' }],
    ['no restartPolicy is Always', undefined, {}, { runMs: undefined, exitCode: 0, restartPolicy: 'Always' }],
    ['the annotations', 'Never', { [HOLLOW_RUN_DURATION_ANNOTATION]: '1m30s', [HOLLOW_EXIT_CODE_ANNOTATION]: '3' }, { runMs: 90_000, exitCode: 3, restartPolicy: 'Never' }],
    ['Always with a run duration exits', 'Always', { [HOLLOW_RUN_DURATION_ANNOTATION]: '0s' }, { runMs: 0, exitCode: 0, restartPolicy: 'Always' }],
    ['a bare 0 as Go reads it', 'Never', { [HOLLOW_RUN_DURATION_ANNOTATION]: '0' }, { runMs: 0, exitCode: 0, restartPolicy: 'Never' }],
    ['exit code 255 is the most', 'Never', { [HOLLOW_EXIT_CODE_ANNOTATION]: '255' }, { runMs: 5_000, exitCode: 255, restartPolicy: 'Never' }],
    ['an invalid duration counts as absent', 'Never', { [HOLLOW_RUN_DURATION_ANNOTATION]: 'soon' }, { runMs: 5_000, exitCode: 0, restartPolicy: 'Never' }],
    ['a negative one too', 'Always', { [HOLLOW_RUN_DURATION_ANNOTATION]: '-1s' }, { runMs: undefined, exitCode: 0, restartPolicy: 'Always' }],
    ['a number without unit too', 'OnFailure', { [HOLLOW_RUN_DURATION_ANNOTATION]: '10' }, { runMs: 5_000, exitCode: 0, restartPolicy: 'OnFailure' }],
    ['exit code 256 counts as absent', 'Never', { [HOLLOW_EXIT_CODE_ANNOTATION]: '256' }, { runMs: 5_000, exitCode: 0, restartPolicy: 'Never' }],
    ['so does a negative or non-numeric one', 'Never', { [HOLLOW_EXIT_CODE_ANNOTATION]: '-1' }, { runMs: 5_000, exitCode: 0, restartPolicy: 'Never' }],
    ['or a fraction', 'Never', { [HOLLOW_EXIT_CODE_ANNOTATION]: '1.5' }, { runMs: 5_000, exitCode: 0, restartPolicy: 'Never' }],
  ])('%s', (_, policy, annotations, want) => {
    expect(containerRunSpec(podWith(policy, annotations), 5_000)).toEqual(want);
  });
});

describe('containerRunAt', () => {
  it('Never: runs, then has exited for good', () => {
    const spec: ContainerRunSpec = { runMs: 3_000, exitCode: 2, restartPolicy: 'Never' };
    expect(containerRunAt(spec, 1_000, 3_999)).toEqual({ kind: 'running', restartCount: 0, startedAt: 1_000, exitsAt: 4_000 });
    expect(containerRunAt(spec, 1_000, 4_000)).toEqual({ kind: 'exited', restartCount: 0, exit: { attempt: 0, startedAt: 1_000, finishedAt: 4_000, exitCode: 2 } });
    expect(containerRunAt(spec, 1_000, 1e12).kind).toBe('exited');
  });

  it('OnFailure exiting 0 is done; exiting 1 restarts at once, then backs off 10 s, 20 s, … 300 s', () => {
    expect(containerRunAt({ runMs: 3_000, exitCode: 0, restartPolicy: 'OnFailure' }, 0, 3_000).kind).toBe('exited');
    const spec: ContainerRunSpec = { runMs: 3_000, exitCode: 1, restartPolicy: 'OnFailure' };
    expect(containerRunAt(spec, 0, 3_000)).toEqual({ kind: 'running', restartCount: 1, startedAt: 3_000, exitsAt: 6_000, previous: { attempt: 0, startedAt: 0, finishedAt: 3_000, exitCode: 1 } });
    expect(containerRunAt(spec, 0, 6_000)).toEqual({
      kind: 'backOff',
      restartCount: 1,
      exit: { attempt: 1, startedAt: 3_000, finishedAt: 6_000, exitCode: 1 },
      backOffMs: 10_000,
      restartsAt: 16_000,
      previous: { attempt: 0, startedAt: 0, finishedAt: 3_000, exitCode: 1 },
    });
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((a) => backOffAfter(a, 3_000))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(backOffAfter(0, 3_000)).toBe(0);
    expect(backOffAfter(5, 600_001)).toBe(0);
  });

  it.each<[string, ContainerRunSpec]>([
    ['OnFailure, 3 s runs', { runMs: 3_000, exitCode: 1, restartPolicy: 'OnFailure' }],
    ['Always, 0 s runs', { runMs: 0, exitCode: 0, restartPolicy: 'Always' }],
    ['Always, 10 min runs (the back-off entry lives on)', { runMs: 600_000, exitCode: 0, restartPolicy: 'Always' }],
    ['Always, runs over 10 min (it expires every time)', { runMs: 600_001, exitCode: 7, restartPolicy: 'Always' }],
    ['OnFailure, 4 min runs', { runMs: 240_000, exitCode: 137, restartPolicy: 'OnFailure' }],
  ])('matches the kubelet step by step at any time, days on: %s', (_, spec) => {
    const times = [0, 1, 2_999, 3_000, 10_000, 13_000, 16_000, 299_999, 600_000, 600_001, 1_200_002, 3_600_000];
    for (let t = 5_000_000; t < 5 * 86_400_000; t = Math.floor(t * 1.7) + 1) times.push(t, t + 299_999);
    for (const t of times) expect(containerRunAt(spec, 0, t), `at ${t} ms`).toEqual(kubeletModel(spec, t));
  });

  it('formatBackOff writes Go durations', () => {
    expect([10_000, 80_000, 160_000, 300_000, 3_600_000].map(formatBackOff)).toEqual(['10s', '1m20s', '2m40s', '5m0s', '1h0m0s']);
  });
});
