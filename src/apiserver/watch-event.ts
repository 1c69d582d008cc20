/**
 * ObjectChange is one change of one object as the API server's watches see it: the object after the change
 * (undefined when it was deleted) and before it (undefined when it was created), at the change's revision.
 * changeToEvent turns a change into the watch event a client with a selector receives, with Kubernetes'
 * rules: an object that starts to match is ADDED, one that stops matching is DELETED (carrying its last
 * matching state at the change's revision), and a change that never matched is not sent.
 */
import type { KubeObject, WatchEvent } from '../api/index.js';
import type { WatchBatch } from '../store/client/index.js';
import { decodeObject } from './storage/object-store.js';

/** ObjectChange: see the module comment. */
export interface ObjectChange {
  /** key is the object's store key. */
  readonly key: string;
  readonly revision: number;
  readonly object: KubeObject | undefined;
  readonly prev: KubeObject | undefined;
}

/**
 * changesFromBatch decodes an etcd watch batch (with previous values) into changes, stamping each object. A
 * value that is not a JSON object (written by something other than an API server) is skipped and reported
 * to onUndecodable, never thrown at the watchers.
 */
export function changesFromBatch(batch: WatchBatch, stamp: (o: KubeObject) => KubeObject, onUndecodable: (key: string, err: unknown) => void = () => undefined): ObjectChange[] {
  const out: ObjectChange[] = [];
  for (const ev of batch.events) {
    const key = ev.kv.key.toString('latin1');
    try {
      out.push({
        key,
        revision: ev.kv.modRevision,
        object: ev.type === 'DELETE' ? undefined : stamp(decodeObject(ev.kv).obj),
        prev: ev.prevKv === undefined ? undefined : stamp(decodeObject(ev.prevKv).obj),
      });
    } catch (err) {
      onUndecodable(key, err);
    }
  }
  return out;
}

/**
 * applyBatch applies an etcd watch batch received without previous values to objects — the complete state of
 * the watched prefix up to the batch, as a watch cache holds it — and returns the batch's changes. Each
 * change's previous object is the one objects held, so the store need not read, encode and send previous
 * values, nor this replica decode them. A value that is not a JSON object is skipped and reported to
 * onUndecodable (the key keeps its last decodable state); the delete of a key objects does not hold is skipped
 * (no watcher can have seen it).
 */
export function applyBatch(batch: WatchBatch, objects: Map<string, KubeObject>, stamp: (o: KubeObject) => KubeObject, onUndecodable: (key: string, err: unknown) => void = () => undefined): ObjectChange[] {
  const out: ObjectChange[] = [];
  for (const ev of batch.events) {
    const key = ev.kv.key.toString('latin1');
    const prev = objects.get(key);
    if (ev.type === 'DELETE') {
      if (prev === undefined) continue;
      objects.delete(key);
      out.push({ key, revision: ev.kv.modRevision, object: undefined, prev });
      continue;
    }
    let object: KubeObject;
    try {
      object = stamp(decodeObject(ev.kv).obj);
    } catch (err) {
      onUndecodable(key, err);
      continue;
    }
    objects.set(key, object);
    out.push({ key, revision: ev.kv.modRevision, object, prev });
  }
  return out;
}

/**
 * deliveredThrough is the revision through which a batch brings every change: its last event's revision —
 * not the header's, which for a watch catching up on history is the store's current revision, ahead of
 * batches still to come — or, for a batch without events (a progress notification), the header revision.
 */
export function deliveredThrough(batch: WatchBatch): number {
  const last = batch.events.at(-1);
  return last === undefined ? batch.revision : last.kv.modRevision;
}

function atRevision(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

/** changeToEvent is the event a watcher selecting with matches receives for a change, if any. */
export function changeToEvent(change: ObjectChange, matches: (o: KubeObject) => boolean): WatchEvent<KubeObject> | undefined {
  const curMatch = change.object !== undefined && matches(change.object);
  const prevMatch = change.prev !== undefined && matches(change.prev);
  if (curMatch && prevMatch) return { type: 'MODIFIED', object: change.object! };
  if (curMatch) return { type: 'ADDED', object: change.object! };
  if (prevMatch) return { type: 'DELETED', object: atRevision(change.prev!, change.revision) };
  return undefined;
}
