import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { LeaderMonitor, streamRefusal, unaryRefusal, type CallRulesHost } from '../../../src/store/grpc/call-rules.js';
import { ManualClock } from '../../../src/util/clock.js';

const LEARNER = { code: grpc.status.UNAVAILABLE, details: 'etcdserver: rpc not supported for learner' };
const NO_LEADER = { code: grpc.status.UNAVAILABLE, details: 'etcdserver: no leader' };

function member(state: { leader: boolean; learner: boolean }): CallRulesHost {
  return { hasLeader: () => state.leader, isLearner: () => state.learner };
}

function metadata(hasleader: boolean): grpc.Metadata {
  const md = new grpc.Metadata();
  if (hasleader) md.set('hasleader', 'true');
  return md;
}

describe('unaryRefusal: etcd\'s unary interceptor', () => {
  const cases: [string, { leader: boolean; learner: boolean }, string, object, boolean, typeof LEARNER | undefined][] = [
    ['a voter with a leader serves everything', { leader: true, learner: false }, '/etcdserverpb.KV/Put', {}, true, undefined],
    ['a voter without a leader refuses hasleader calls', { leader: false, learner: false }, '/etcdserverpb.KV/Put', {}, true, NO_LEADER],
    ['a voter without a leader serves calls without hasleader', { leader: false, learner: false }, '/etcdserverpb.KV/Range', {}, false, undefined],
    ['a learner serves a serializable Range', { leader: true, learner: true }, '/etcdserverpb.KV/Range', { serializable: true }, false, undefined],
    ['a learner refuses a linearizable Range', { leader: true, learner: true }, '/etcdserverpb.KV/Range', { serializable: false }, false, LEARNER],
    ['a learner serves Status', { leader: true, learner: true }, '/etcdserverpb.Maintenance/Status', {}, false, undefined],
    ['a learner refuses a Put', { leader: true, learner: true }, '/etcdserverpb.KV/Put', {}, false, LEARNER],
    ['a learner refuses MemberList', { leader: true, learner: true }, '/etcdserverpb.Cluster/MemberList', {}, false, LEARNER],
    ['a learner refuses health Check', { leader: true, learner: true }, '/grpc.health.v1.Health/Check', {}, false, LEARNER],
    ['the learner rule comes before the leader rule', { leader: false, learner: true }, '/etcdserverpb.KV/Put', {}, true, LEARNER],
    ['a learner applies the leader rule to what it serves', { leader: false, learner: true }, '/etcdserverpb.KV/Range', { serializable: true }, true, NO_LEADER],
  ];
  it.each(cases)('%s', (_, state, path, request, hasleader, expected) => {
    expect(unaryRefusal(member(state), path, request, metadata(hasleader))).toEqual(expected);
  });
});

describe('streamRefusal: etcd\'s stream interceptor', () => {
  it('refuses every stream on a learner, and hasleader streams while there is no leader', () => {
    const state = { leader: true, learner: false };
    expect(streamRefusal(member(state), metadata(true))).toBeUndefined();
    state.leader = false;
    expect(streamRefusal(member(state), metadata(true))).toEqual(NO_LEADER);
    expect(streamRefusal(member(state), metadata(false))).toBeUndefined();
    state.learner = true;
    expect(streamRefusal(member(state), metadata(false))).toEqual(LEARNER);
  });
});

describe('LeaderMonitor: etcd\'s monitorLeader', () => {
  it('ends watched streams after three checks in a row without a leader, each with its method\'s status, once', () => {
    let leader = true;
    const clock = new ManualClock(0);
    const monitor = new LeaderMonitor(() => leader, clock, 1000);
    const ends: [string, unknown][] = [];
    const watch = (path: string, hasleader = true): (() => void) => monitor.watch(path, metadata(hasleader), (st) => ends.push([path, st]));
    watch('/etcdserverpb.Watch/Watch');
    watch('/etcdserverpb.Lease/LeaseKeepAlive');
    watch('/grpc.health.v1.Health/Watch');
    watch('/etcdserverpb.Maintenance/Snapshot');
    watch('/etcdserverpb.Watch/Watch', false);
    const gone = watch('/etcdserverpb.Watch/Watch');
    gone();

    leader = false;
    clock.advance(2000);
    // A leader seen at a check starts the count over.
    leader = true;
    clock.advance(1000);
    leader = false;
    clock.advance(2000);
    expect(ends).toEqual([]);
    clock.advance(1000);
    expect(ends).toEqual([
      ['/etcdserverpb.Watch/Watch', NO_LEADER],
      ['/etcdserverpb.Lease/LeaseKeepAlive', NO_LEADER],
      ['/grpc.health.v1.Health/Watch', { code: grpc.status.CANCELLED, details: 'Stream has ended.' }],
    ]);
    clock.advance(5000);
    expect(ends).toHaveLength(3);
  });

  it('watches nothing once stopped, and fires no more', () => {
    let leader = true;
    const clock = new ManualClock(0);
    const monitor = new LeaderMonitor(() => leader, clock, 1000);
    const ends: string[] = [];
    monitor.watch('/etcdserverpb.Watch/Watch', metadata(true), () => ends.push('before'));
    monitor.stop();
    monitor.watch('/etcdserverpb.Watch/Watch', metadata(true), () => ends.push('after'));
    leader = false;
    clock.advance(10_000);
    expect(ends).toEqual([]);
  });
});
