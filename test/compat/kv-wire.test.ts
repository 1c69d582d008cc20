/**
 * KV features that etcdctl cannot reach, checked on the wire against etcd's behaviour: the Range filters on
 * mod and create revision, and a Txn nested inside a Txn (its compares judged against the store as it was
 * before the outer Txn, all of it in one revision).
 */
import { afterAll, expect, it } from 'vitest';
import { EtcdGrpc, type RangeResponse, type RequestOp, type TxnResponse } from './helpers/grpc.js';
import { useStore } from './helpers/store.js';
import { describeCompat } from './helpers/tools.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describeCompat('KV on the wire: revision filters and nested Txn', ['store'], () => {
  const store = useStore({ name: 'kv-wire' });
  let channel: EtcdGrpc | undefined;
  const rpc = (): EtcdGrpc => (channel ??= new EtcdGrpc(store().address));
  afterAll(() => {
    channel?.close();
  });

  it('min/max_mod_revision and min/max_create_revision keep only the keys whose revisions are in bounds', async () => {
    const r1 = Number((await rpc().set('f/a', '1')).header.revision);
    const r2 = Number((await rpc().set('f/b', '1')).header.revision);
    const r3 = Number((await rpc().set('f/c', '1')).header.revision);
    const r4 = Number((await rpc().set('f/a', '2')).header.revision); // a: created r1, modified r4
    const keys = async (filter: Record<string, number>): Promise<string[]> => {
      const r = await rpc().unary<RangeResponse>('KV', 'Range', { key: b('f/'), range_end: b('f0'), ...filter });
      return r.kvs.map((kv) => kv.key.toString());
    };
    expect(await keys({})).toEqual(['f/a', 'f/b', 'f/c']);
    expect(await keys({ min_mod_revision: r3 })).toEqual(['f/a', 'f/c']);
    expect(await keys({ max_mod_revision: r3 })).toEqual(['f/b', 'f/c']);
    expect(await keys({ min_mod_revision: r2, max_mod_revision: r3 })).toEqual(['f/b', 'f/c']);
    expect(await keys({ min_create_revision: r2 })).toEqual(['f/b', 'f/c']);
    expect(await keys({ max_create_revision: r2 })).toEqual(['f/a', 'f/b']);
    expect(await keys({ min_create_revision: r1, max_create_revision: r1, min_mod_revision: r4 })).toEqual(['f/a']);
  });

  it('a nested Txn judges its compares before the outer one applies anything, and the whole runs in one revision', async () => {
    const base = Number((await rpc().set('n/flag', 'off')).header.revision);
    const nested: RequestOp = {
      request_txn: {
        // 'off' as the store was before the outer Txn, although the outer Txn puts 'on' first
        compare: [{ result: 'Equal', target: 'Value', key: b('n/flag'), value: b('off') }],
        success: [{ request_put: { key: b('n/inner'), value: b('saw-off') } }],
        failure: [{ request_put: { key: b('n/inner'), value: b('saw-on') } }],
      },
    };
    const r = await rpc().txn({
      compare: [{ result: 'Equal', target: 'Version', key: b('n/missing'), version: 0 }],
      success: [{ request_put: { key: b('n/flag'), value: b('on') } }, nested],
    });
    expect(r.succeeded).toBe(true);
    expect(Number(r.header.revision)).toBe(base + 1);
    const inner = (r.responses as { response_txn?: TxnResponse }[])[1]?.response_txn;
    expect(inner?.succeeded).toBe(true);
    expect(await rpc().get('n/flag')).toBe('on');
    expect(await rpc().get('n/inner')).toBe('saw-off');
    const both = await rpc().range({ key: b('n/'), range_end: b('n0') });
    expect(both.kvs.filter((kv) => kv.key.toString() !== 'n/missing').map((kv) => [kv.key.toString(), Number(kv.mod_revision)])).toEqual([
      ['n/flag', base + 1],
      ['n/inner', base + 1],
    ]);
  });
});
