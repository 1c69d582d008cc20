/**
 * WatchSubscription without a server: where a (re)created watch resumes, that nothing already delivered is
 * delivered again whatever the server replays, and what a server-side cancellation means.
 */
import { describe, expect, it } from 'vitest';
import { CompactedError } from '../../../src/store/errors.js';
import type * as pb from '../../../src/store/grpc/types.js';
import { WatchCanceledError } from '../../../src/store/client/errors.js';
import type { WatchBatch, WatchSink } from '../../../src/store/client/watch.js';
import { WatchSubscription } from '../../../src/store/client/watch-subscription.js';
import type { CapstanError } from '../../../src/util/errors.js';

interface Recorded {
  created: number[];
  batches: WatchBatch[];
  failures: CapstanError[];
  ended: number;
}

function subscription(startRevision = 0, progressNotify = false): { sub: WatchSubscription; rec: Recorded } {
  const rec: Recorded = { created: [], batches: [], failures: [], ended: 0 };
  const sink: WatchSink = {
    created: (r) => rec.created.push(r),
    batch: (b) => rec.batches.push(b),
    fail: (e) => rec.failures.push(e),
    end: () => rec.ended++,
  };
  return { sub: new WatchSubscription(Buffer.from('k'), Buffer.alloc(0), { startRevision, prevKv: false, progressNotify }, sink), rec };
}

function header(revision: number): pb.ResponseHeader {
  return { clusterId: '1', memberId: '1', revision: String(revision), raftTerm: '1' };
}

function response(revision: number, eventRevisions: number[], extra: Partial<pb.WatchResponse> = {}): pb.WatchResponse {
  return {
    header: header(revision),
    watchId: '0',
    created: false,
    canceled: false,
    compactRevision: '0',
    cancelReason: '',
    fragment: false,
    events: eventRevisions.map((r) => ({
      type: 'PUT',
      kv: { key: Buffer.from(`k${r}`), createRevision: String(r), modRevision: String(r), version: '1', value: Buffer.from('v'), lease: '0' },
      prevKv: null,
    })),
    ...extra,
  };
}

const revisions = (rec: Recorded): number[] => rec.batches.flatMap((b) => b.events.map((e) => e.kv.modRevision));

describe('WatchSubscription', () => {
  it('a watch "from now" resumes after the created revision, then after the last delivered event', () => {
    const { sub, rec } = subscription();
    expect(sub.createRequest().startRevision).toBe('0');
    sub.onCreated(10);
    expect(rec.created).toEqual([10]);
    expect(sub.nextRevision).toBe(11);
    sub.onResponse(response(12, [11, 12]));
    expect(sub.nextRevision).toBe(13);
    expect(sub.createRequest().startRevision).toBe('13');
    // re-created elsewhere: the created response does not move the resume point back, nor report again
    sub.onCreated(12);
    expect(sub.nextRevision).toBe(13);
    expect(rec.created).toEqual([10]);
  });

  it('drops events at or below the last delivered revision, whatever the server replays', () => {
    const { sub, rec } = subscription(5);
    expect(sub.createRequest().startRevision).toBe('5');
    sub.onCreated(4);
    sub.onResponse(response(7, [5, 6, 7]));
    sub.onResponse(response(8, [6, 7, 8]));
    sub.onResponse(response(8, [7, 8]));
    sub.onResponse(response(10, [10, 10]));
    expect(revisions(rec)).toEqual([5, 6, 7, 8, 10, 10]);
    expect(rec.batches.map((b) => b.revision)).toEqual([7, 8, 10]);
  });

  it('progress notifications are delivered only when asked for, and never move the resume point', () => {
    const quiet = subscription(3);
    quiet.sub.onResponse(response(50, []));
    expect(quiet.rec.batches).toEqual([]);
    const { sub, rec } = subscription(3, true);
    sub.onResponse(response(50, []));
    expect(rec.batches).toEqual([{ events: [], revision: 50 }]);
    expect(sub.nextRevision).toBe(3);
  });

  it('a compacted start revision fails with CompactedError and ends the watch', () => {
    const { sub, rec } = subscription(2);
    expect(sub.onCanceled(response(9, [], { canceled: true, compactRevision: '7' }))).toBe('ended');
    expect(rec.failures).toHaveLength(1);
    const err = rec.failures[0] as CompactedError;
    expect(err).toBeInstanceOf(CompactedError);
    expect(err.compactRevision).toBe(7);
    expect(err.revision).toBe(2);
    expect(sub.canceled).toBe(true);
    sub.onResponse(response(10, [10]));
    expect(rec.batches).toEqual([]);
  });

  it("a cancellation for one of etcd's retryable reasons re-creates the watch; any other ends it", () => {
    const retry = subscription(2);
    expect(retry.sub.onCanceled(response(9, [], { canceled: true, cancelReason: 'etcdserver: no leader' }))).toBe('recreate');
    expect(retry.rec.failures).toEqual([]);
    expect(retry.sub.canceled).toBe(false);
    const end = subscription(2);
    expect(end.sub.onCanceled(response(9, [], { canceled: true, cancelReason: 'etcdserver: permission denied' }))).toBe('ended');
    expect(end.rec.failures[0]).toBeInstanceOf(WatchCanceledError);
  });

  it('end() ends quietly, once', () => {
    const { sub, rec } = subscription();
    sub.end();
    sub.end();
    sub.fail(new WatchCanceledError('late'));
    expect(rec.ended).toBe(1);
    expect(rec.failures).toEqual([]);
  });
});
