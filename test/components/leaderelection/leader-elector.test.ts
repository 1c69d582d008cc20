import { afterEach, describe, expect, it } from 'vitest';
import { LeaderElector, type LeaderElectorOptions } from '../../../src/components/leaderelection/leader-elector.js';
import { ManualClock } from '../../../src/util/clock.js';
import { SeededRandom, type Random } from '../../../src/util/random.js';
import { FakeLeaseStore } from './fake-lease-client.js';

const zeroJitter: Random = { float: () => 0, int: () => 0, uint64: () => 0n };
const STEP = 50;

interface Candidate {
  elector: LeaderElector;
  cut: boolean;
  events: string[];
}

function setup(random: () => Random = () => new SeededRandom(7), n = 2, extra: Partial<LeaderElectorOptions> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new FakeLeaseStore();
  const candidates: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const c: Candidate = { elector: undefined as unknown as LeaderElector, cut: false, events: [] };
    c.elector = new LeaderElector({
      client: store.client(() => c.cut),
      name: 'kube-scheduler',
      identity: `node-${i}`,
      clock,
      random: random(),
      callbacks: {
        onStartedLeading: (signal) => {
          c.events.push(`started@${clock.now()}`);
          signal.addEventListener('abort', () => c.events.push(`aborted@${clock.now()}`));
        },
        onStoppedLeading: () => c.events.push(`stopped@${clock.now()}`),
        onNewLeader: (id) => c.events.push(`leader:${id}`),
      },
      ...extra,
    });
    candidates.push(c);
  }
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
  };
  const leaders = () => candidates.filter((c) => c.elector.isLeader());
  /** step advances the clock in STEP increments, asserting at every step that at most one leads. */
  const run = async (ms: number, until?: () => boolean): Promise<number> => {
    const start = clock.now();
    while (clock.now() - start < ms) {
      clock.advance(STEP);
      await flush();
      expect(leaders().length).toBeLessThanOrEqual(1);
      if (until?.()) break;
    }
    return clock.now() - start;
  };
  return { clock, store, candidates, leaders, run, flush };
}

describe('LeaderElector', () => {
  let stopAll: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopAll?.();
    stopAll = undefined;
  });

  it('two electors: exactly one leads, and it keeps renewing', async () => {
    const t = setup();
    stopAll = async () => void (await Promise.all(t.candidates.map((c) => c.elector.stop())));
    t.candidates.forEach((c) => c.elector.start());
    await t.run(5_000, () => t.leaders().length === 1);
    expect(t.leaders()).toHaveLength(1);
    await t.run(60_000);
    expect(t.leaders()).toHaveLength(1);
    const lease = t.store.get('kube-system', 'kube-scheduler')!;
    expect(lease.spec).toMatchObject({ holderIdentity: t.leaders()[0]!.elector.config.identity, leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(lease.spec!.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // The leader renewed about every retryPeriod: ~30 renewals in 60 s.
    expect(t.store.history.length).toBeGreaterThanOrEqual(28);
    const standby = t.candidates.find((c) => !c.elector.isLeader())!;
    expect(standby.elector.leader()).toBe(t.leaders()[0]!.elector.config.identity);
    expect(t.leaders()[0]!.elector.healthz()).toBeUndefined();
  });

  it.each([
    { jitter: 'seeded', random: () => new SeededRandom(11) as Random, bound: 15_000 + 2_000 * 2.2 },
    { jitter: 'zero', random: () => zeroJitter, bound: 15_000 + 2_000 },
  ])('kill the leader’s renewals: it stops by renewDeadline, the other takes over after leaseDuration + retry ($jitter jitter)', async ({ random, bound }) => {
    const t = setup(random);
    stopAll = async () => void (await Promise.all(t.candidates.map((c) => c.elector.stop())));
    t.candidates.forEach((c) => c.elector.start());
    await t.run(10_000, () => t.leaders().length === 1);
    await t.run(7_000);
    const old = t.leaders()[0]!;
    const other = t.candidates.find((c) => c !== old)!;
    old.cut = true;
    const stoppedAfter = await t.run(20_000, () => !old.elector.isLeader());
    expect(stoppedAfter).toBeLessThanOrEqual(10_000);
    expect(old.events.some((e) => e.startsWith('aborted@'))).toBe(true);
    const tookOver = stoppedAfter + (await t.run(30_000, () => other.elector.isLeader()));
    expect(other.elector.isLeader()).toBe(true);
    expect(tookOver).toBeGreaterThanOrEqual(15_000 - 2_000);
    expect(tookOver).toBeLessThanOrEqual(bound + STEP);
    expect(t.store.get('kube-system', 'kube-scheduler')!.spec).toMatchObject({ holderIdentity: other.elector.config.identity, leaseTransitions: 1 });
    expect(other.events).toContain(`leader:${other.elector.config.identity}`);
    // The cut-off leader still believes the record names it: healthz fails once leaseDuration + timeout passed.
    await t.run(16_000);
    expect(old.elector.healthz(1_000)).toBeDefined();
    expect(other.elector.healthz(1_000)).toBeUndefined();
  });

  it.each([
    { jitter: 'seeded', random: () => new SeededRandom(3) as Random, bound: 2_000 * 2.2 },
    { jitter: 'zero', random: () => zeroJitter, bound: 2_000 },
  ])('clean release: the other takes over within one retry period ($jitter jitter)', async ({ random, bound }) => {
    const t = setup(random);
    stopAll = async () => void (await Promise.all(t.candidates.map((c) => c.elector.stop())));
    t.candidates.forEach((c) => c.elector.start());
    await t.run(10_000, () => t.leaders().length === 1);
    await t.run(5_000);
    const old = t.leaders()[0]!;
    const other = t.candidates.find((c) => c !== old)!;
    const stopping = old.elector.stop();
    await t.flush();
    await stopping;
    expect(old.elector.isLeader()).toBe(false);
    expect(old.events.at(-1)).toMatch(/^stopped@/);
    expect(t.store.get('kube-system', 'kube-scheduler')!.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
    const took = await t.run(10_000, () => other.elector.isLeader());
    expect(other.elector.isLeader()).toBe(true);
    expect(took).toBeLessThanOrEqual(bound + STEP);
    expect(t.store.get('kube-system', 'kube-scheduler')!.spec).toMatchObject({ holderIdentity: other.elector.config.identity, leaseTransitions: 1, leaseDurationSeconds: 15 });
    // A cleanly released elector is healthy however long afterwards; the new leader too.
    await t.run(20_000);
    expect(old.elector.healthz(0)).toBeUndefined();
    expect(other.elector.healthz(0)).toBeUndefined();
  });

  it('many rounds of kill and restart: never two leaders, transitions counted once per change of holder', async () => {
    const t = setup(() => new SeededRandom(99), 3);
    const all = [...t.candidates];
    stopAll = async () => void (await Promise.all(all.map((c) => c.elector.stop())));
    t.candidates.forEach((c) => c.elector.start());
    let changes = 0;
    let holder = '';
    for (let round = 0; round < 6; round++) {
      await t.run(40_000, () => t.leaders().length === 1);
      const lead = t.leaders()[0]!;
      expect(lead).toBeDefined();
      if (lead.elector.config.identity !== holder) {
        if (holder !== '') changes++;
        holder = lead.elector.config.identity;
      }
      if (round % 2 === 0) lead.cut = true;
      else await lead.elector.stop();
      await t.run(40_000, () => t.leaders().length === 1 && t.leaders()[0] !== lead);
      // Replace the finished elector with a fresh one of the same identity.
      const idx = t.candidates.indexOf(lead);
      const fresh: (typeof t.candidates)[number] = { elector: undefined as unknown as LeaderElector, cut: false, events: [] };
      fresh.elector = new LeaderElector({ client: t.store.client(() => fresh.cut), name: 'kube-scheduler', identity: lead.elector.config.identity, clock: t.clock, random: new SeededRandom(round) });
      t.candidates[idx] = fresh;
      all.push(fresh);
      fresh.elector.start();
    }
    const lead = t.leaders()[0]!;
    if (lead.elector.config.identity !== holder) changes++;
    const transitions = t.store.get('kube-system', 'kube-scheduler')!.spec!.leaseTransitions!;
    expect(transitions).toBeGreaterThanOrEqual(changes);
    // History: leaseTransitions goes up by exactly one whenever holderIdentity changes to a non-empty holder.
    let prev = t.store.history[0]!.spec!;
    for (const l of t.store.history.slice(1)) {
      const s = l.spec!;
      const acquired = s.holderIdentity !== '' && s.holderIdentity !== prev.holderIdentity;
      expect(s.leaseTransitions).toBe(prev.leaseTransitions! + (acquired ? 1 : 0));
      prev = s;
    }
  });
});

describe('LeaderElector.stop', () => {
  it('does not hang on a renewal in flight that never answers: it stops leading by the renew deadline', async () => {
    const clock = new ManualClock(0);
    const store = new FakeLeaseStore();
    let cut = false;
    const stopped: number[] = [];
    const e = new LeaderElector({ client: store.client(() => cut), name: 'x', identity: 'a', clock, random: zeroJitter, callbacks: { onStoppedLeading: () => stopped.push(clock.now()) } });
    e.start();
    clock.advance(1);
    await new Promise<void>((r) => setImmediate(r));
    expect(e.isLeader()).toBe(true);
    cut = true;
    clock.advance(2_000); // the next renewal starts and hangs
    await new Promise<void>((r) => setImmediate(r));
    let done = false;
    const stopping = e.stop().then(() => (done = true));
    await new Promise<void>((r) => setImmediate(r));
    expect(done).toBe(false);
    clock.advance(8_000);
    await stopping;
    expect(done).toBe(true);
    expect(e.isLeader()).toBe(false);
    expect(stopped).toEqual([10_001]); // acquired by a write sent at t=1, deadline renewDeadline later
    // Nothing could be written: the record still names a, and a standby takes over once it expires.
    expect(store.get('kube-system', 'x')!.spec!.holderIdentity).toBe('a');
  });
});
