import { setImmediate as yieldToIo } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TimeoutDueToLeaderFailError } from '../../src/store/errors.js';
import { putOp, startInProcessCluster, type InProcessCluster } from './helpers/in-process-store.js';

/**
 * A proposal that cannot commit fails after the request timeout (etcd: 5 s plus two election timeouts) with
 * etcd's timeout error; one sweep of the pending proposals enforces it for all of them.
 */

const clusters: InProcessCluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});

describe('a proposal that cannot commit', () => {
  it("fails with etcd's request timeout once the request timeout has passed, not before", async () => {
    const c = await startInProcessCluster(3);
    clusters.push(c);
    const leader = c.leader()!;
    for (const m of c.members) if (m !== leader) await m.stop();
    const errors: unknown[] = [];
    let advanced = 0;
    const proposals = [0, 1].map((i) => leader.propose(putOp(`never/${String(i)}`, 'v')).then(() => errors.push('committed'), (err: unknown) => errors.push(err)));
    // Clock time passes a heartbeat interval per turn of the event loop until both proposals have failed.
    const deadline = Date.now() + 30_000;
    while (errors.length < 2) {
      if (Date.now() > deadline) throw new Error('the proposals did not settle within 30 s');
      if (advanced < leader.requestTimeoutMs) expect(errors).toEqual([]);
      c.clock.advance(100);
      advanced += 100;
      await yieldToIo();
    }
    await Promise.all(proposals);
    expect(advanced).toBeGreaterThanOrEqual(leader.requestTimeoutMs);
    expect(advanced).toBeLessThanOrEqual(leader.requestTimeoutMs + 500);
    // The leader lost its quorum meanwhile (CheckQuorum), so etcd's message is the one about a leader failure.
    expect(leader.isLeader()).toBe(false);
    for (const err of errors) {
      expect(err).toBeInstanceOf(TimeoutDueToLeaderFailError);
      expect((err as Error).message).toBe('etcdserver: request timed out, possibly due to previous leader failure');
    }
  }, 60_000);
});
