import { describe, expect, it } from 'vitest';
import { resolveSchedulerOptions } from '../../src/cli/scheduler.js';
import { ComponentFlagsError } from '../../src/components/runtime/component-flags.js';

describe('capstan scheduler flags', () => {
  it('defaults', () => {
    expect(resolveSchedulerOptions({})).toEqual({ percentageOfNodesToScore: 0, bindWorkers: 64, schedulerName: 'default-scheduler' });
  });
  it('durations and numbers', () => {
    expect(
      resolveSchedulerOptions({ percentageOfNodesToScore: '30', podInitialBackoff: '500ms', podMaxBackoff: '5s', podMaxInUnschedulablePodsDuration: '2m', bindWorkers: '64', schedulerName: 'other' }),
    ).toEqual({ percentageOfNodesToScore: 30, podInitialBackoffMs: 500, podMaxBackoffMs: 5000, podMaxInUnschedulableMs: 120_000, bindWorkers: 64, schedulerName: 'other' });
  });
  it.each([
    { raw: { percentageOfNodesToScore: '101' }, msg: /percentage-of-nodes-to-score/ },
    { raw: { percentageOfNodesToScore: 'x' }, msg: /percentage-of-nodes-to-score/ },
    { raw: { podInitialBackoff: '1' }, msg: /pod-initial-backoff/ },
    { raw: { podInitialBackoff: '20s' }, msg: /must not exceed/ },
    { raw: { bindWorkers: '0' }, msg: /bind-workers/ },
  ])('rejects $raw', ({ raw, msg }) => {
    expect(() => resolveSchedulerOptions(raw)).toThrow(ComponentFlagsError);
    expect(() => resolveSchedulerOptions(raw)).toThrow(msg);
  });
});
