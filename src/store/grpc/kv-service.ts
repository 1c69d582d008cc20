import type { Logger } from '../../util/logger.js';
import { DuplicateKeyError, EmptyKeyError, LeaseProvidedError, TooManyOpsError, ValueProvidedError } from '../errors.js';
import type { StoreMetrics } from '../metrics.js';
import { keyString } from '../mvcc/types.js';
import { inKeyRange } from '../mvcc/tree-index.js';
import { isReadOnlyTxn } from '../apply.js';
import { putCost, txnCost } from '../quota.js';
import type { StoreServer } from '../server.js';
import { unary } from './handler.js';
import * as pb from './types.js';

/**
 * kvService implements etcdserverpb.KV. Writes go through Raft; linearizable reads wait for a ReadIndex
 * round, serializable reads are served from this member's state at once. Requests are validated here with
 * etcd's errors before anything is proposed (etcd's v3rpc/key.go).
 */
export function kvService(s: StoreServer, log: Logger, metrics?: StoreMetrics): pb.KVServer {
  return {
    Range: unary<pb.RangeRequest, pb.RangeResponse>(
      'etcdserverpb.KV',
      'Range',
      async (req) => {
        if (req.key.length === 0) throw new EmptyKeyError();
        if (!req.serializable) await s.linearizableRead();
        return s.applier.range(req);
      },
      log,
      metrics,
    ),
    Put: unary<pb.PutRequest, pb.PutResponse>(
      'etcdserverpb.KV',
      'Put',
      async (req) => {
        checkPut(req);
        await s.checkQuota(putCost(req));
        return (await s.propose<pb.PutResponse>({ request: 'put', put: req })).resp;
      },
      log,
      metrics,
    ),
    DeleteRange: unary<pb.DeleteRangeRequest, pb.DeleteRangeResponse>(
      'etcdserverpb.KV',
      'DeleteRange',
      async (req) => {
        if (req.key.length === 0) throw new EmptyKeyError();
        return (await s.propose<pb.DeleteRangeResponse>({ request: 'deleteRange', deleteRange: req })).resp;
      },
      log,
      metrics,
    ),
    Txn: unary<pb.TxnRequest, pb.TxnResponse>(
      'etcdserverpb.KV',
      'Txn',
      async (req) => {
        checkTxn(req, s.cfg.maxTxnOps);
        if (isReadOnlyTxn(req)) {
          // A read-only Txn needs no log entry: after a ReadIndex round it is served here, as etcd does.
          if (!allSerializable(req)) await s.linearizableRead();
          return s.applier.txn(req, await s.applier.prefetch(req));
        }
        const cost = txnCost(req);
        if (cost > 0) await s.checkQuota(cost);
        return (await s.propose<pb.TxnResponse>({ request: 'txn', txn: req })).resp;
      },
      log,
      metrics,
    ),
    Compact: unary<pb.CompactionRequest, pb.CompactionResponse>(
      'etcdserverpb.KV',
      'Compact',
      async (req) => {
        const { resp, after } = await s.propose<pb.CompactionResponse>({ request: 'compaction', compaction: req });
        if (after !== undefined) await after;
        return resp;
      },
      log,
      metrics,
    ),
  };
}

function checkPut(req: pb.PutRequest): void {
  if (req.key.length === 0) throw new EmptyKeyError();
  if (req.ignoreValue && req.value.length !== 0) throw new ValueProvidedError();
  if (req.ignoreLease && pb.toBigInt(req.lease) !== 0n) throw new LeaseProvidedError();
}

/**
 * checkTxn validates a Txn as etcd's checkTxnRequest and checkIntervals do: at most maxTxnOps operations per
 * branch and compares, valid operations, and no key written twice (or put and deleted) in one branch.
 */
function checkTxn(t: pb.TxnRequest, maxTxnOps: number): void {
  if (t.compare.length > maxTxnOps || t.success.length > maxTxnOps || t.failure.length > maxTxnOps) {
    throw new TooManyOpsError(Math.max(t.compare.length, t.success.length, t.failure.length), maxTxnOps);
  }
  for (const c of t.compare) if (c.key.length === 0) throw new EmptyKeyError();
  for (const branch of [t.success, t.failure]) {
    for (const op of branch) {
      switch (op.request) {
        case 'requestRange':
          if (op.requestRange.key.length === 0) throw new EmptyKeyError();
          break;
        case 'requestPut':
          checkPut(op.requestPut);
          break;
        case 'requestDeleteRange':
          if (op.requestDeleteRange.key.length === 0) throw new EmptyKeyError();
          break;
        case 'requestTxn':
          checkTxn(op.requestTxn, maxTxnOps);
          break;
        default:
          break;
      }
    }
    checkIntervals(branch);
  }
}

interface Writes {
  puts: Set<string>;
  dels: { key: string; end: string }[];
}

/**
 * checkIntervals refuses a branch that puts a key twice, or puts a key it also deletes — including through
 * nested Txns, whose own two branches may overlap each other since only one of them runs (etcd's
 * checkIntervals).
 */
function checkIntervals(ops: pb.RequestOp[]): Writes {
  const w: Writes = { puts: new Set(), dels: [] };
  for (const op of ops) {
    if (op.request === 'requestPut') {
      const k = keyString(op.requestPut.key);
      if (w.puts.has(k)) throw new DuplicateKeyError();
      w.puts.add(k);
    } else if (op.request === 'requestDeleteRange') {
      w.dels.push({ key: keyString(op.requestDeleteRange.key), end: keyString(op.requestDeleteRange.rangeEnd) });
    }
  }
  for (const k of w.puts) for (const d of w.dels) if (inKeyRange(k, d.key, d.end)) throw new DuplicateKeyError();
  for (const op of ops) {
    if (op.request !== 'requestTxn') continue;
    const branches = [checkIntervals(op.requestTxn.success), checkIntervals(op.requestTxn.failure)];
    for (const n of branches) {
      for (const k of n.puts) if (w.puts.has(k) || w.dels.some((d) => inKeyRange(k, d.key, d.end))) throw new DuplicateKeyError();
      for (const k of w.puts) if (n.dels.some((d) => inKeyRange(k, d.key, d.end))) throw new DuplicateKeyError();
    }
    for (const n of branches) {
      for (const k of n.puts) w.puts.add(k);
      w.dels.push(...n.dels);
    }
  }
  return w;
}

function allSerializable(t: pb.TxnRequest): boolean {
  return [...t.success, ...t.failure].every(
    (op) => (op.request === 'requestRange' && op.requestRange.serializable) || (op.request === 'requestTxn' && allSerializable(op.requestTxn)),
  );
}

