/**
 * ObjectStore keeps Kubernetes objects in the etcd v3 store as kube-apiserver's storage/etcd3 does: one key
 * per object under `<prefix>/<resource>/<namespace>/<name>` (cluster-scoped: `<prefix>/<resource>/<name>`),
 * the value the object's JSON, and the object's resourceVersion its key's mod_revision (never stored in the
 * value). Every write is a Txn guarded by the mod_revision the caller read, so concurrent writers through
 * any API server replica are serialized by the store: create is `mod_revision == 0 → put`, update and delete
 * are `mod_revision == read → put/delete`; a failed guard reports the current object.
 *
 * The store knows nothing of strategies, validation or selectors; handlers.ts decides what to write.
 */
import type { KubeObject } from '../../api/index.js';
import { cmp, op, prefixEnd, type EtcdClient, type KeyValue, type Operation, type TxnOpResult, type Watcher } from '../../store/client/index.js';

/** Versioned is an object read from the store with its mod revision. */
export interface Versioned {
  readonly obj: KubeObject;
  /** modRevision is the object's resourceVersion as a number. */
  readonly modRevision: number;
}

/** Listed is an object read by a list, with the store key it was read under. */
export interface Listed extends Versioned {
  readonly key: string;
}

/** ListPage is one page of a list read at one revision. */
export interface ListPage {
  readonly items: Listed[];
  /** revision is the store revision the whole list reflects (the list's resourceVersion). */
  readonly revision: number;
  /** nextKey is the key to continue from, when the page was cut by the limit. */
  readonly nextKey?: string;
  /** remaining counts the keys after this page, when it can be known (no filter). */
  readonly remaining?: number;
}

/** ListRequest says what to read. */
export interface ListRequest {
  /** prefix is the key prefix of the resource (and namespace). */
  readonly prefix: string;
  /** startKey is where to start (a continue token's key); default the prefix itself. */
  readonly startKey?: string;
  /** revision reads the store as of that revision; 0 the latest. */
  readonly revision?: number;
  /** limit caps the items returned; 0 for all. */
  readonly limit?: number;
  /** serializable serves the read from the member's local state. */
  readonly serializable?: boolean;
  /** filter selects the items to return; the limit counts only those that pass. */
  readonly filter?: (obj: KubeObject) => boolean;
}

/**
 * WriteOutcome is the answer to a guarded write: done; or the guard failed and this is what is stored now;
 * or (takenClaim) the object's guard held but a claim it needed is held by another object.
 */
export type WriteOutcome =
  | { readonly ok: true; readonly value: Versioned }
  | { readonly ok: false; readonly current: Versioned | undefined; readonly takenClaim?: string };

/**
 * ClaimChange lists the claims a write takes and releases. A claim is a unique value an object holds while it
 * exists (a Service's cluster IP, a node port): a key `<prefix>/ranges/<claim>` created with the object
 * (only if absent) and deleted with it, in the same transaction, so no two objects ever hold the same one.
 */
export interface ClaimChange {
  readonly take: readonly string[];
  readonly release: readonly string[];
}

const NO_CLAIMS: ClaimChange = { take: [], release: [] };

/** decodeObject reads a stored value and stamps its resourceVersion. */
export function decodeObject(kv: KeyValue): Versioned {
  const obj = JSON.parse(kv.value.toString('utf8')) as KubeObject;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new SyntaxError(`the value of ${kv.key.toString('latin1')} is not a JSON object`);
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  return { obj, modRevision: kv.modRevision };
}

/** encodeObject is the stored form: the object without resourceVersion and selfLink. */
function encodeObject(obj: KubeObject): Buffer {
  const { resourceVersion: _rv, selfLink: _self, ...meta } = obj.metadata;
  return Buffer.from(JSON.stringify({ ...obj, metadata: meta }));
}

function stamped(obj: KubeObject, revision: number): Versioned {
  const copy = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
  return { obj: copy, modRevision: revision };
}

/** PAGE_FLOOR is the least a filtered list fetches per round, so that a selective filter does not crawl. */
const PAGE_FLOOR = 500;

/** ObjectStore: see the module comment. */
export class ObjectStore {
  constructor(
    private readonly client: EtcdClient,
    /** prefix is the root of every key (kube-apiserver's --etcd-prefix, `/registry`). */
    readonly prefix: string = '/registry',
  ) {}

  /** key is where an object lives. */
  key(resource: string, namespace: string | undefined, name: string): string {
    return namespace === undefined || namespace === '' ? `${this.prefix}/${resource}/${name}` : `${this.prefix}/${resource}/${namespace}/${name}`;
  }

  /** listPrefix is the prefix of every object of a resource, or of a resource in one namespace. */
  listPrefix(resource: string, namespace?: string): string {
    return namespace === undefined || namespace === '' ? `${this.prefix}/${resource}/` : `${this.prefix}/${resource}/${namespace}/`;
  }

  /** get reads one object, or undefined when there is none. */
  async get(key: string, serializable = false): Promise<Versioned | undefined> {
    const r = await this.client.get(key, { serializable });
    const kv = r.kvs[0];
    return kv === undefined ? undefined : decodeObject(kv);
  }

  /** current reads the store's revision (a cheap linearizable read of one key). */
  async revision(): Promise<number> {
    const r = await this.client.get(`${this.prefix}/`, { countOnly: true });
    return r.revision;
  }

  /** claimKey is where a claim lives. */
  claimKey(claim: string): string {
    return `${this.prefix}/ranges/${claim}`;
  }

  /**
   * guardedWrite runs `key's mod_revision == expected (and every claim to take is free) → ops`. When it
   * fails, it reports what is stored under key and, if the object's guard held, which claim was taken.
   */
  private async guardedWrite(key: string, expected: number, ops: Operation[], claims: ClaimChange): Promise<{ revision: number; succeeded: boolean; responses: TxnOpResult[]; current?: Versioned; takenClaim?: string }> {
    const claimOps = [...claims.take.map((c) => op.put(this.claimKey(c), key)), ...claims.release.map((c) => op.delete(this.claimKey(c)))];
    const r = await this.client.txn({
      compare: [cmp.modRevision(key, '==', expected), ...claims.take.map((c) => cmp.version(this.claimKey(c), '==', 0))],
      success: [...ops, ...claimOps],
      failure: [op.get(key), ...claims.take.map((c) => op.get(this.claimKey(c)))],
    });
    if (r.succeeded) return { revision: r.revision, succeeded: true, responses: r.responses };
    const current = this.firstGot(r.responses[0]);
    const guardHeld = (current?.modRevision ?? 0) === expected;
    const taken = guardHeld ? claims.take.find((_, i) => this.claimHeld(r.responses[i + 1])) : undefined;
    return { revision: r.revision, succeeded: false, responses: r.responses, ...(current === undefined ? {} : { current }), ...(taken === undefined ? {} : { takenClaim: taken }) };
  }

  /** heldClaims lists the claims held under the given claim families (`serviceips/` …). */
  async heldClaims(families: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const f of families) {
      const r = await this.client.get(this.claimKey(f), { prefix: true, keysOnly: true });
      for (const kv of r.kvs) out.add(kv.key.toString('latin1').slice(this.claimKey('').length));
    }
    return out;
  }

  private claimHeld(res: TxnOpResult | undefined): boolean {
    return res?.type === 'get' && res.get.kvs.length > 0;
  }

  /** create writes obj under key (taking its claims) if no object is there; otherwise reports the one that is. */
  async create(key: string, obj: KubeObject, claims: readonly string[] = [], lease?: bigint): Promise<WriteOutcome> {
    const w = await this.guardedWrite(key, 0, [op.put(key, encodeObject(obj), lease === undefined ? {} : { lease })], { take: claims, release: [] });
    if (w.succeeded) return { ok: true, value: stamped(obj, w.revision) };
    return { ok: false, current: w.current, ...(w.takenClaim === undefined ? {} : { takenClaim: w.takenClaim }) };
  }

  /**
   * update replaces the object under key if its mod revision is still expectedModRevision, moving its claims.
   * It is put under lease if one is given; otherwise an object under a lease keeps it (ignoreLease: a plain
   * put would detach it).
   */
  async update(key: string, obj: KubeObject, expectedModRevision: number, claims: ClaimChange = NO_CLAIMS, lease?: bigint): Promise<WriteOutcome> {
    const w = await this.guardedWrite(key, expectedModRevision, [op.put(key, encodeObject(obj), lease === undefined ? { ignoreLease: true } : { lease })], claims);
    if (w.succeeded) return { ok: true, value: stamped(obj, w.revision) };
    return { ok: false, current: w.current, ...(w.takenClaim === undefined ? {} : { takenClaim: w.takenClaim }) };
  }

  /**
   * delete removes the object under key (and releases its claims) if its mod revision is still
   * expectedModRevision; the value in the outcome is the deleted object stamped with the delete's revision
   * (as a watch's DELETED event carries it).
   */
  async delete(key: string, expectedModRevision: number, releaseClaims: readonly string[] = []): Promise<WriteOutcome> {
    const w = await this.guardedWrite(key, expectedModRevision, [op.delete(key, { prevKv: true })], { take: [], release: releaseClaims });
    if (w.succeeded) {
      const res = w.responses[0];
      const prev = res?.type === 'delete' ? res.delete.prevKvs[0] : undefined;
      if (prev === undefined) return { ok: false, current: undefined };
      return { ok: true, value: stamped(decodeObject(prev).obj, w.revision) };
    }
    return { ok: false, current: w.current };
  }

  /**
   * list reads a page of objects under a prefix at one revision. With a filter it keeps reading (at the same
   * revision) until the page has `limit` matching items or the prefix is exhausted, as kube-apiserver does.
   */
  async list(req: ListRequest): Promise<ListPage> {
    const end = prefixEnd(Buffer.from(req.prefix)).toString('latin1');
    const limit = req.limit ?? 0;
    let start = req.startKey ?? req.prefix;
    let revision = req.revision ?? 0;
    const items: Listed[] = [];
    for (;;) {
      const want = limit === 0 ? 0 : req.filter === undefined ? limit - items.length + 1 : Math.max(PAGE_FLOOR, limit + 1);
      const r = await this.client.get(start, { rangeEnd: Buffer.from(end, 'latin1'), revision, limit: want, serializable: req.serializable === true });
      if (revision === 0) revision = r.revision;
      let cutAt: string | undefined;
      for (const kv of r.kvs) {
        const v = decodeObject(kv);
        if (req.filter !== undefined && !req.filter(v.obj)) continue;
        if (limit > 0 && items.length === limit) {
          cutAt = kv.key.toString('latin1');
          break;
        }
        items.push({ obj: v.obj, modRevision: v.modRevision, key: kv.key.toString('latin1') });
      }
      if (cutAt !== undefined) {
        const remaining = req.filter === undefined ? r.count - items.length : undefined;
        return { items, revision, nextKey: cutAt, ...(remaining === undefined ? {} : { remaining }) };
      }
      const last = r.kvs[r.kvs.length - 1];
      if (!r.more || last === undefined) return { items, revision };
      start = `${last.key.toString('latin1')}\x00`;
    }
  }

  /**
   * watch watches every key under prefix (or one key) from startRevision, with the previous values unless
   * prevKv is false (a watcher that holds every object already knows them).
   */
  watch(keyOrPrefix: string, startRevision: number, isPrefix: boolean, prevKv = true): Watcher {
    return this.client.watch(keyOrPrefix, { ...(isPrefix ? { prefix: true } : {}), startRevision, prevKv, progressNotify: true });
  }

  private firstGot(res: TxnOpResult | undefined): Versioned | undefined {
    const kv = res?.type === 'get' ? res.get.kvs[0] : undefined;
    return kv === undefined ? undefined : decodeObject(kv);
  }
}
