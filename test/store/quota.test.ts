import { describe, expect, it } from 'vitest';
import type * as pb from '../../src/store/grpc/types.js';
import { LEASE_COST, putCost, txnCost } from '../../src/store/quota.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const putReq = (key: string, value: string): pb.PutRequest => ({ key: b(key), value: b(value), lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false });
const put = (key: string, value: string): pb.RequestOp => ({ request: 'requestPut', requestPut: putReq(key, value) });
const del = (key: string): pb.RequestOp => ({ request: 'requestDeleteRange', requestDeleteRange: { key: b(key), rangeEnd: Buffer.alloc(0), prevKv: false } });
const txn = (success: pb.RequestOp[], failure: pb.RequestOp[] = []): pb.TxnRequest => ({ compare: [], success, failure });

describe('quota costs (etcd quota.go)', () => {
  it('a put costs its key and value plus 256 bytes; a lease 64', () => {
    expect(putCost(putReq('key', 'value'))).toBe(256 + 3 + 5);
    expect(LEASE_COST).toBe(64);
  });

  it('a Txn costs its dearer branch; reads and deletes cost nothing; nested puts count', () => {
    expect(txnCost(txn([]))).toBe(0);
    expect(txnCost(txn([del('a'), { request: 'requestTxn', requestTxn: txn([del('b')]) }]))).toBe(0);
    expect(txnCost(txn([put('a', '1'), put('b', '22')], [put('c', '333')]))).toBe(2 * 256 + 2 + 3);
    expect(txnCost(txn([del('a')], [put('c', '333')]))).toBe(256 + 4);
    expect(txnCost(txn([{ request: 'requestTxn', requestTxn: txn([], [put('n', '1')]) }]))).toBe(256 + 2);
  });
});
