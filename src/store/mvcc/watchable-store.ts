import type { Logger } from '../../util/logger.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { Prefix } from '../backend.js';
import { decodeRevision, isTombstone } from './revision.js';
import { revisionKey, type KvStore } from './kv-store.js';
import { rangeEndOf, type RangeEnd } from './tree-index.js';
import { keyString, type KeyValue, type MvccEvent } from './types.js';

/** WatchSink is where a watcher's output goes: the gRPC watch stream in production, a list in tests. */
export interface WatchSink {
  /** events delivers events of revisions up to rev, in revision order. */
  events(w: Watcher, events: MvccEvent[], rev: number): void;
  /** compacted tells the watcher its start revision is gone; the watcher is then cancelled. */
  compacted(w: Watcher, compactRevision: number): void;
  /** congested reports whether the sink wants no more for now (the stream's buffer is full). */
  congested(): boolean;
}

/** WatchOptions describes one watch, as a WatchCreateRequest does. */
export interface WatchOptions {
  key: string;
  rangeEnd: string;
  /** startRev is the first revision to deliver; 0 means "from now". */
  startRev: number;
  prevKv: boolean;
  noPut: boolean;
  noDelete: boolean;
}

/** Watcher is one registered watch. minRev is the next revision it has yet to receive. */
export class Watcher {
  minRev: number;
  readonly end: RangeEnd;
  cancelled = false;

  constructor(
    readonly id: number,
    readonly opts: WatchOptions,
    readonly sink: WatchSink,
    minRev: number,
  ) {
    this.minRev = minRev;
    this.end = rangeEndOf(opts.rangeEnd);
  }

  /** matches reports whether the watcher wants an event on key of the given type. */
  matches(key: string, type: 'PUT' | 'DELETE'): boolean {
    if (type === 'PUT' ? this.opts.noPut : this.opts.noDelete) return false;
    switch (this.end.kind) {
      case 'single':
        return key === this.opts.key;
      case 'to-end':
        return key >= this.opts.key;
      case 'before':
        return key >= this.opts.key && key < this.end.end;
    }
  }
}

const catchUpChunkRevisions = 1000;

/**
 * WatchableStore delivers MVCC changes to watchers (etcd's watchableStore). A synced watcher is up to date and
 * gets each write's events as it is applied. An unsynced watcher — one that started in the past, or whose
 * stream was congested — catches up from the backend in the background, then becomes synced. Writers never
 * wait for watchers: a slow watcher falls behind and catches up from disk. Every watcher sees events in
 * revision order, each exactly once.
 *
 * Between hold() and release() (the member applying one Ready's committed entries) a synced watcher's events
 * are gathered and delivered at release as one batch, whose revision is the last one's: a Ready that applies a
 * hundred writes costs each watch stream one response, not a hundred — which filled a busy stream's send
 * buffer within one turn of the event loop, sent its watchers to catch up from disk (read back, and encoded,
 * a second time), and cost its reader a message per write.
 */
export class WatchableStore {
  private readonly synced = new Set<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  /** holding is true between hold() and release(); held gathers each synced watcher's events until delivered. */
  private holding = false;
  private held = new Map<Watcher, HeldEvents>();
  private nextId = 1;
  private syncing = false;
  private timer: TimerHandle | undefined;
  /**
   * onReplay is told how many events each catch-up read brought back from the backend — for watchers that
   * started in the past or fell behind (their stream was congested) — for the member's metrics.
   */
  onReplay: (events: number) => void = () => undefined;

  constructor(
    private readonly kv: KvStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly syncIntervalMs = 100,
  ) {}

  /** start runs the background catch-up loop. */
  start(): void {
    this.timer ??= this.clock.setInterval(() => this.kick(), this.syncIntervalMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** watcherCount is the number of registered watchers, for metrics. */
  watcherCount(): { synced: number; unsynced: number } {
    return { synced: this.synced.size, unsynced: this.unsynced.size };
  }

  /**
   * watch registers a watcher. A start revision in the past replays history from the backend; one before
   * the compaction revision is answered with compacted() and no watcher remains. As in etcd, a negative start
   * revision is compared with the compaction revision too (-1 when the store was never compacted): below it,
   * compacted(); otherwise the watch starts from now, as one from 0 does.
   */
  watch(opts: WatchOptions, sink: WatchSink): Watcher {
    const current = this.kv.currentRev;
    const startRev = opts.startRev <= 0 || opts.startRev > current ? current + 1 : opts.startRev;
    const w = new Watcher(this.nextId++, opts, sink, opts.startRev > current ? opts.startRev : startRev);
    if (opts.startRev !== 0 && opts.startRev < this.kv.compactMainRev) {
      w.cancelled = true;
      sink.compacted(w, this.kv.compactMainRev);
      return w;
    }
    if (w.minRev > current) this.synced.add(w);
    else {
      this.unsynced.add(w);
      this.kick();
    }
    return w;
  }

  /** cancel removes a watcher; it receives nothing more. */
  cancel(w: Watcher): void {
    w.cancelled = true;
    this.synced.delete(w);
    this.unsynced.delete(w);
  }

  /** resyncAll sends every watcher back to catching up from the backend (its state was replaced). */
  resyncAll(): void {
    for (const w of this.synced) this.unsynced.add(w);
    this.synced.clear();
    this.kick();
  }

  /** isSynced reports whether a watcher is up to date (for progress notifications). */
  isSynced(w: Watcher): boolean {
    return this.synced.has(w);
  }

  /** hold gathers synced watchers' events until release() (see the class comment). */
  hold(): void {
    this.holding = true;
  }

  /**
   * release delivers what was gathered since hold(): to each watcher, its events in one batch — unless its
   * sink is congested now, in which case it catches up from the first of them, from disk.
   */
  release(): void {
    this.holding = false;
    this.deliverHeld();
  }

  /** notify hands the events of one write (all at revision rev) to synced watchers. Called in apply order. */
  notify(rev: number, events: MvccEvent[]): void {
    if (events.length === 0) return;
    for (const w of this.synced) {
      if (w.minRev > rev) continue; // a watcher that asked to start in the future
      const mine = this.select(w, events);
      if (mine.length === 0) {
        w.minRev = rev + 1;
        continue;
      }
      const h = this.held.get(w);
      if (h === undefined) this.held.set(w, { fromRev: w.minRev, events: mine, rev });
      else {
        for (const ev of mine) h.events.push(ev);
        h.rev = rev;
      }
      w.minRev = rev + 1;
    }
    // Outside hold() a write's events go out at once: a batch of one write.
    if (!this.holding) this.deliverHeld();
  }

  /** deliverHeld sends each watcher the events gathered for it, or leaves them on disk if its sink is congested. */
  private deliverHeld(): void {
    if (this.held.size > 0) {
      const held = this.held;
      this.held = new Map();
      for (const [w, h] of held) {
        if (w.cancelled) continue;
        if (!this.synced.has(w) || w.sink.congested()) {
          // Leave these events on disk: the watcher catches up from the first of them once its stream drains.
          this.synced.delete(w);
          this.unsynced.add(w);
          w.minRev = Math.min(w.minRev, h.fromRev);
          continue;
        }
        w.sink.events(w, w.opts.prevKv ? h.events : h.events.map(withoutPrev), h.rev);
      }
    }
    if (this.unsynced.size > 0) this.kick();
  }

  private select(w: Watcher, events: MvccEvent[]): MvccEvent[] {
    const out: MvccEvent[] = [];
    for (const ev of events) if (w.matches(keyString(ev.kv.key), ev.type)) out.push(ev);
    return out;
  }

  /** kick starts a catch-up pass unless one is running. */
  kick(): void {
    // After a failed write the store reads nothing more from disk for watchers (its member is stopping).
    if (this.syncing || this.unsynced.size === 0 || !this.kv.writable()) return;
    this.syncing = true;
    // Started once the caller's turn is over, never inside it: notify() runs while an entry is half applied,
    // and a catch-up's first step flushes the MVCC queue, which would put the entry's changes on disk without
    // its consistent index (a crash then would replay it over itself).
    queueMicrotask(() => {
      this.syncUnsynced()
        .catch((err: unknown) => this.log.error({ err }, 'watch: catch-up failed'))
        .finally(() => {
          this.syncing = false;
          if ([...this.unsynced].some((w) => !w.sink.congested())) setImmediate(() => this.kick());
        });
    });
  }

  /** syncUnsynced moves unsynced watchers forward through history, one chunk of revisions at a time. */
  private async syncUnsynced(): Promise<void> {
    for (;;) {
      const ready = [...this.unsynced].filter((w) => !w.sink.congested());
      if (ready.length === 0) return;
      const compactRev = this.kv.compactMainRev;
      for (const w of ready) {
        if (w.minRev < compactRev) {
          this.unsynced.delete(w);
          w.cancelled = true;
          w.sink.compacted(w, compactRev);
        }
      }
      const live = ready.filter((w) => !w.cancelled);
      if (live.length === 0) continue;
      let from = Infinity;
      for (const w of live) from = Math.min(from, w.minRev);
      const current = this.kv.currentRev;
      if (from > current) {
        for (const w of live) this.promote(w);
        continue;
      }
      const to = Math.min(current, from + catchUpChunkRevisions - 1);
      const byRev = await this.readHistory(from, to, live.some((w) => w.opts.prevKv));
      let read = 0;
      for (const evs of byRev.values()) read += evs.length;
      this.onReplay(read);
      for (const w of live) {
        if (w.cancelled || !this.unsynced.has(w) || w.minRev > to) continue;
        const mine: MvccEvent[] = [];
        for (const [rev, evs] of byRev) {
          if (rev < w.minRev) continue;
          for (const ev of this.select(w, evs)) mine.push(w.opts.prevKv ? ev : withoutPrev(ev));
        }
        w.minRev = to + 1;
        if (mine.length > 0) w.sink.events(w, mine, to);
        // Synchronously with the check, so no write can slip between catch-up and synced delivery.
        if (w.minRev > this.kv.currentRev) this.promote(w);
      }
    }
  }

  private promote(w: Watcher): void {
    if (!this.unsynced.delete(w)) return;
    if (!w.cancelled) this.synced.add(w);
  }

  /**
   * readHistory reads the events of revisions [from, to] from the backend, grouped by revision. With withPrev
   * each event gets the key's previous value (prev_kv): the key's event before it in the same read if there is
   * one, else its value at the revision before, all such read at once at the end.
   */
  private async readHistory(from: number, to: number, withPrev: boolean): Promise<Map<number, MvccEvent[]>> {
    await this.kv.flush();
    await this.kv.backend.barrier();
    const byRev = new Map<number, MvccEvent[]>();
    // A key's value after its latest event read so far (null: deleted), and the events whose previous value
    // lies before from.
    const after = new Map<string, KeyValue | null>();
    const earlier: { ev: MvccEvent; key: string; at: number }[] = [];
    const it = this.kv.backend.db.iterator({
      gte: revisionKey({ main: from, sub: 0 }),
      lt: revisionKey({ main: to + 1, sub: 0 }),
    });
    for await (const [k, v] of it) {
      if (k[0] !== Prefix.key) break;
      const rev = decodeRevision(k, 1);
      const kv = this.kv.codec.decode(v);
      const type = isTombstone(k, 1) ? 'DELETE' : 'PUT';
      const ev: MvccEvent = {
        type,
        kv: type === 'DELETE' ? { ...kv, modRevision: rev.main, createRevision: 0, version: 0, lease: 0n } : kv,
        prevKv: undefined,
      };
      if (withPrev) {
        const key = keyString(kv.key);
        const prev = after.get(key);
        if (prev === undefined) earlier.push({ ev, key, at: rev.main - 1 });
        else if (prev !== null) ev.prevKv = prev;
        after.set(key, type === 'DELETE' ? null : kv);
      }
      let list = byRev.get(rev.main);
      if (list === undefined) byRev.set(rev.main, (list = []));
      list.push(ev);
    }
    if (earlier.length > 0) {
      const prevs = await this.kv.kvsAt(earlier);
      for (let i = 0; i < earlier.length; i++) earlier[i]!.ev.prevKv = prevs[i];
    }
    if (withPrev) {
      // No previous value below the compaction revision (as etcd, whose read there fails), even one this read
      // found before a compaction that came while it ran.
      const compactRev = this.kv.compactMainRev;
      for (const [rev, evs] of byRev) if (rev - 1 < compactRev) for (const ev of evs) ev.prevKv = undefined;
    }
    return byRev;
  }
}

/** HeldEvents are a synced watcher's events gathered while the store holds them, from revision fromRev on. */
interface HeldEvents {
  readonly fromRev: number;
  readonly events: MvccEvent[];
  /** rev is the revision of the last write whose events are in events. */
  rev: number;
}

function withoutPrev(ev: MvccEvent): MvccEvent {
  return ev.prevKv === undefined ? ev : { type: ev.type, kv: ev.kv, prevKv: undefined };
}
