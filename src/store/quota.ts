/**
 * The space a write is estimated to take, as etcd's backend quota counts it (etcdserver/quota.go): a put costs
 * its key and value plus 256 bytes of metadata, a lease grant 64 bytes, anything else nothing. A write whose cost
 * would take the database to its quota is refused with NOSPACE; while the NOSPACE alarm is raised, only writes
 * that cost nothing (deletes, read-only and delete-only Txns) are applied.
 */
import type * as pb from './grpc/types.js';

/** KV_OVERHEAD is etcd's estimate of a key's metadata (kvOverhead). */
const KV_OVERHEAD = 256;

/** LEASE_COST is etcd's estimate of a lease's cost (leaseOverhead). */
export const LEASE_COST = 64;

/** putCost is the quota cost of a put. */
export function putCost(r: pb.PutRequest): number {
  return KV_OVERHEAD + r.key.length + r.value.length;
}

/**
 * txnCost is the quota cost of a Txn: the larger of its two branches' puts, so a Txn that could put is refused
 * while NOSPACE is raised whichever branch it would take, and one that only reads or deletes is not. etcd 3.4
 * counts only a branch's own puts, so a put inside a nested Txn escapes its quota; here it counts.
 */
export function txnCost(t: pb.TxnRequest): number {
  return Math.max(branchCost(t.success), branchCost(t.failure));
}

function branchCost(ops: readonly pb.RequestOp[]): number {
  let n = 0;
  for (const op of ops) {
    if (op.request === 'requestPut') n += putCost(op.requestPut);
    else if (op.request === 'requestTxn') n += txnCost(op.requestTxn);
  }
  return n;
}
