/**
 * FakeListWatch is an in-memory stand-in for the API server's list and watch of one resource, with the
 * semantics a reflector depends on: every write bumps a revision and is kept in a history; a list is a
 * consistent snapshot, paginated by limit and continue; a watch from resourceVersion N replays the history
 * after N and then follows live writes; history before the compacted revision answers 410 Expired (either as
 * an ERROR event or as a refused watch, as the test chooses). Tests end, break or bookmark the open watches
 * and inject failures into the next list or watch call.
 */
import type { ConfigMap, KubeList, ListOptions, Status, WatchEvent } from '../../../src/api/index.js';
import { apiStatusError } from '../../../src/components/client/errors.js';
import type { ListerWatcher } from '../../../src/components/client/reflector.js';
import { EventChannel, type WatchStream } from '../../../src/components/client/watch-stream.js';

interface Change {
  revision: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: ConfigMap;
}

/** expiredStatus is the 410 Expired Status of a compacted resourceVersion. */
export function expiredStatus(rv: string): Status & { code: number; reason: 'Expired' } {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: `too old resource version: ${rv}` };
}

/** FakeListWatch implements ListerWatcher<ConfigMap> over an in-memory revisioned store. */
export class FakeListWatch implements ListerWatcher<ConfigMap> {
  revision = 1;
  compacted = 0;
  readonly objects = new Map<string, ConfigMap>();
  private readonly history: Change[] = [];
  private readonly snapshots = new Map<string, { items: ConfigMap[]; revision: number }>();
  private readonly open = new Set<{ channel: EventChannel<WatchEvent<ConfigMap>>; from: number }>();
  /** calls records every list and watch call with its options. */
  readonly calls: { verb: 'list' | 'watch'; options: ListOptions }[] = [];
  /** goneAs says how a watch from compacted history is refused. */
  goneAs: 'event' | 'refusal' = 'event';
  private failNext: { verb: 'list' | 'watch'; err: Error }[] = [];

  /** write creates or updates name with data, or deletes it when data is undefined. */
  write(name: string, data: Record<string, string> | undefined): void {
    const existing = this.objects.get(name);
    this.revision++;
    let change: Change;
    if (data === undefined) {
      if (existing === undefined) throw new Error(`fake: delete of missing ${name}`);
      this.objects.delete(name);
      change = { revision: this.revision, type: 'DELETED', obj: { ...existing, metadata: { ...existing.metadata, resourceVersion: String(this.revision) } } };
    } else {
      const obj: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name, resourceVersion: String(this.revision) }, data };
      this.objects.set(name, obj);
      change = { revision: this.revision, type: existing === undefined ? 'ADDED' : 'MODIFIED', obj };
    }
    this.history.push(change);
    for (const w of this.open) w.channel.push({ type: change.type, object: structuredClone(change.obj) });
  }

  /** compact forgets history up to the current revision. */
  compact(): void {
    this.compacted = this.revision;
  }

  /** endWatches ends every open watch cleanly (timeoutSeconds passing). */
  endWatches(): void {
    for (const w of this.open) w.channel.end();
    this.open.clear();
  }

  /** breakWatches fails every open watch with err (a connection reset). */
  breakWatches(err: Error): void {
    for (const w of this.open) w.channel.fail(err);
    this.open.clear();
  }

  /** bookmark sends a BOOKMARK at the current revision to every open watch. */
  bookmark(): void {
    for (const w of this.open) w.channel.push({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(this.revision) } } });
  }

  /** failNextCall makes the next call of verb reject with err. */
  failNextCall(verb: 'list' | 'watch', err: Error): void {
    this.failNext.push({ verb, err });
  }

  /** openWatches is the number of watches currently open. */
  get openWatches(): number {
    return this.open.size;
  }

  async list(options: ListOptions): Promise<KubeList<ConfigMap>> {
    this.calls.push({ verb: 'list', options });
    this.maybeFail('list');
    let snap: { items: ConfigMap[]; revision: number };
    let start = 0;
    let id = String(this.snapshots.size);
    if (options.continue !== undefined) {
      const [token, offset] = options.continue.split(':');
      id = token!;
      const s = this.snapshots.get(id);
      if (s === undefined || s.revision < this.compacted) throw apiStatusError(expiredStatus('continue'));
      snap = s;
      start = Number(offset);
    } else {
      snap = { items: [...this.objects.values()].map((o) => structuredClone(o)), revision: this.revision };
    }
    const limit = options.limit ?? 0;
    const end = limit > 0 ? Math.min(snap.items.length, start + limit) : snap.items.length;
    let token: string | undefined;
    if (end < snap.items.length) {
      this.snapshots.set(id, snap);
      token = `${id}:${end}`;
    }
    return { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(snap.revision), ...(token === undefined ? {} : { continue: token }) }, items: snap.items.slice(start, end) };
  }

  async watch(options: ListOptions): Promise<WatchStream<ConfigMap>> {
    this.calls.push({ verb: 'watch', options });
    this.maybeFail('watch');
    const from = Number(options.resourceVersion ?? '0');
    const channel = new EventChannel<WatchEvent<ConfigMap>>(() => this.open.delete(entry));
    const entry = { channel, from };
    if (from < this.compacted) {
      if (this.goneAs === 'refusal') throw apiStatusError(expiredStatus(String(from)));
      channel.push({ type: 'ERROR', object: expiredStatus(String(from)) });
      channel.end();
      return channel;
    }
    for (const c of this.history) if (c.revision > from) channel.push({ type: c.type, object: structuredClone(c.obj) });
    this.open.add(entry);
    return channel;
  }

  private maybeFail(verb: 'list' | 'watch'): void {
    const i = this.failNext.findIndex((f) => f.verb === verb);
    if (i >= 0) throw this.failNext.splice(i, 1)[0]!.err;
  }
}
