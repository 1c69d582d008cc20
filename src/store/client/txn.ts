/**
 * Typed builders for etcd transactions (etcdserverpb.TxnRequest): `cmp.*` builds the compares, `op.*` the
 * operations of either branch, and fromTxnResponse reads the answer back in the same terms.
 *
 * Kubernetes' storage layer uses exactly two shapes, both expressible here:
 *   create:  txn({ compare: [cmp.modRevision(key, '==', 0)], success: [op.put(key, v)], failure: [op.get(key)] })
 *   update:  txn({ compare: [cmp.modRevision(key, '==', rv)], success: [op.put(key, v)], failure: [op.get(key)] })
 * A mod_revision of 0 compares true only for a key that does not exist (etcd compares a missing key's
 * revisions and version as 0).
 */
import type * as pb from '../grpc/types.js';
import { int64 } from '../grpc/types.js';
import { ClientConfigError } from './errors.js';
import {
  deleteRequest,
  fromDeleteResponse,
  fromPutResponse,
  fromRangeResponse,
  headerRevision,
  keyRange,
  putRequest,
  rangeRequest,
  toBuffer,
  type Bytes,
  type DeleteOptions,
  type DeleteResult,
  type GetOptions,
  type GetResult,
  type PutOptions,
  type PutResult,
  type RangeOptions,
} from './kv.js';

/** CompareOperator is how a compare relates the key's attribute to the operand. */
export type CompareOperator = '==' | '!=' | '<' | '>';

const RESULTS: Readonly<Record<CompareOperator, pb.CompareResult>> = { '==': 'EQUAL', '!=': 'NOT_EQUAL', '<': 'LESS', '>': 'GREATER' };

/** Comparison is one compare of a transaction, built by cmp.*. */
export interface Comparison {
  readonly wire: pb.Compare;
}

function compare(key: Bytes, operator: CompareOperator, target: pb.CompareTarget, operand: Partial<pb.Compare>, range?: RangeOptions): Comparison {
  const result = RESULTS[operator];
  if (result === undefined) throw new ClientConfigError(`compare operator must be one of == != < >, got ${JSON.stringify(operator)}`);
  const r = keyRange(key, range);
  return { wire: { result, target, key: r.key, rangeEnd: r.rangeEnd, ...operand } };
}

function revisionOperand(name: string, v: number): string {
  if (!Number.isSafeInteger(v) || v < 0) throw new ClientConfigError(`${name} must be a non-negative safe integer, got ${v}`);
  return int64(v);
}

/**
 * cmp builds compares. Each takes the key, an operator and the operand; an optional RangeOptions compares
 * every key of a range (etcd 3.3+), all of which must satisfy it.
 */
export const cmp = {
  /** version compares the number of puts since the key was created (0: absent). */
  version: (key: Bytes, operator: CompareOperator, version: number, range?: RangeOptions): Comparison =>
    compare(key, operator, 'VERSION', { targetUnion: 'version', version: revisionOperand('version', version) }, range),
  /** createRevision compares the revision that created the key (0: absent). */
  createRevision: (key: Bytes, operator: CompareOperator, revision: number, range?: RangeOptions): Comparison =>
    compare(key, operator, 'CREATE', { targetUnion: 'createRevision', createRevision: revisionOperand('createRevision', revision) }, range),
  /** modRevision compares the revision of the key's last change (0: absent) — optimistic concurrency. */
  modRevision: (key: Bytes, operator: CompareOperator, revision: number, range?: RangeOptions): Comparison =>
    compare(key, operator, 'MOD', { targetUnion: 'modRevision', modRevision: revisionOperand('modRevision', revision) }, range),
  /** value compares the key's value bytewise. */
  value: (key: Bytes, operator: CompareOperator, value: Bytes, range?: RangeOptions): Comparison =>
    compare(key, operator, 'VALUE', { targetUnion: 'value', value: toBuffer(value) }, range),
  /** lease compares the attached lease's ID (0n: none). */
  lease: (key: Bytes, operator: CompareOperator, lease: bigint, range?: RangeOptions): Comparison =>
    compare(key, operator, 'LEASE', { targetUnion: 'lease', lease: int64(lease) }, range),
} as const;

/** Operation is one operation of a transaction branch, built by op.*. */
export interface Operation {
  readonly kind: 'get' | 'put' | 'delete' | 'txn';
  readonly wire: pb.RequestOp;
}

/** TxnSpec is a transaction: if every compare holds, the success branch runs, else the failure branch. */
export interface TxnSpec {
  readonly compare?: readonly Comparison[];
  readonly success?: readonly Operation[];
  readonly failure?: readonly Operation[];
}

/** op builds transaction operations; they take the same options as get/put/delete. */
export const op = {
  get: (key: Bytes, options?: GetOptions): Operation => ({ kind: 'get', wire: { request: 'requestRange', requestRange: rangeRequest(key, options) } }),
  put: (key: Bytes, value: Bytes, options?: PutOptions): Operation => ({
    kind: 'put',
    wire: { request: 'requestPut', requestPut: putRequest(key, value, options) },
  }),
  delete: (key: Bytes, options?: DeleteOptions): Operation => ({
    kind: 'delete',
    wire: { request: 'requestDeleteRange', requestDeleteRange: deleteRequest(key, options) },
  }),
  /** txn nests a transaction (etcd 3.3+). */
  txn: (spec: TxnSpec): Operation => ({ kind: 'txn', wire: { request: 'requestTxn', requestTxn: txnRequest(spec) } }),
} as const;

/** TxnOpResult is the answer to one operation of the branch that ran. */
export type TxnOpResult =
  | { readonly type: 'get'; readonly get: GetResult }
  | { readonly type: 'put'; readonly put: PutResult }
  | { readonly type: 'delete'; readonly delete: DeleteResult }
  | { readonly type: 'txn'; readonly txn: TxnResult };

/** TxnResult is a Txn's answer: which branch ran, the results of its operations, and the revision. */
export interface TxnResult {
  readonly succeeded: boolean;
  /** revision is the response header's: the transaction's own revision if it wrote, else the current one. */
  readonly revision: number;
  readonly responses: TxnOpResult[];
}

/** txnRequest builds etcdserverpb.TxnRequest. */
export function txnRequest(spec: TxnSpec): pb.TxnRequest {
  return {
    compare: (spec.compare ?? []).map((c) => c.wire),
    success: (spec.success ?? []).map((o) => o.wire),
    failure: (spec.failure ?? []).map((o) => o.wire),
  };
}

/** isReadOnlyTxn says whether no branch of spec (nested ones included) writes: such a Txn is safe to resend. */
export function isReadOnlyTxn(spec: TxnSpec): boolean {
  return isReadOnlyRequest(txnRequest(spec));
}

function isReadOnlyRequest(t: pb.TxnRequest): boolean {
  return [...t.success, ...t.failure].every((o) => o.request === 'requestRange' || (o.request === 'requestTxn' && isReadOnlyRequest(o.requestTxn)));
}

/** fromTxnResponse converts a TxnResponse; inner results without a header take the Txn's revision. */
export function fromTxnResponse(r: pb.TxnResponse, fallbackRevision = 0): TxnResult {
  const revision = headerRevision(r.header) || fallbackRevision;
  return {
    succeeded: r.succeeded,
    revision,
    responses: r.responses.map((o): TxnOpResult => {
      switch (o.response) {
        case 'responseRange':
          return { type: 'get', get: fromRangeResponse(o.responseRange, revision) };
        case 'responsePut':
          return { type: 'put', put: fromPutResponse(o.responsePut, revision) };
        case 'responseDeleteRange':
          return { type: 'delete', delete: fromDeleteResponse(o.responseDeleteRange, revision) };
        case 'responseTxn':
          return { type: 'txn', txn: fromTxnResponse(o.responseTxn, revision) };
      }
    }),
  };
}
