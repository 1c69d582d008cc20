/**
 * etcdctl 3.4 (v3 API) against the store: every command an operator of a single-member cluster uses,
 * with the exact output etcd 3.4.23 prints. Written against real etcd (CAPSTAN_COMPAT_TARGET=etcd) and
 * run unchanged against `capstan store`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Etcdctl, errorLines, trackProcesses } from './helpers/etcdctl.js';
import { b64, parseEtcdJson } from './helpers/json.js';
import { useStore } from './helpers/store.js';
import { compatTarget, describeCompat } from './helpers/tools.js';
import { readSnapshot } from '../../src/store/snapshot-format.js';
import { decodeKeyValue } from '../../src/store/grpc/proto.js';
import { waitFor } from './helpers/wait.js';

interface JsonHeader {
  cluster_id: string;
  member_id: string;
  revision?: string;
  raft_term: string;
}

interface JsonKv {
  key: string;
  create_revision: string;
  mod_revision: string;
  version: string;
  value?: string;
  lease?: string;
}

interface JsonGet {
  header: JsonHeader;
  kvs?: JsonKv[];
  more?: boolean;
  count?: string;
}

interface JsonMemberList {
  header: JsonHeader;
  members: { ID: string; name: string; peerURLs: string[]; clientURLs: string[]; isLearner?: boolean }[];
}

interface JsonEndpointStatus {
  Endpoint: string;
  Status: {
    header: JsonHeader;
    version: string;
    dbSize: string;
    leader: string;
    raftIndex: string;
    raftTerm: string;
    raftAppliedIndex?: string;
    dbSizeInUse?: string;
    errors?: string[];
  };
}

/** The error etcdctl prints when a request names a revision at or below the compacted one. */
const COMPACTED = 'Error: etcdserver: mvcc: required revision has been compacted';

/** hex is how etcdctl's simple output prints a member ID (`%x`, no padding). */
function hex(id: string): string {
  return BigInt(id).toString(16);
}

/** keysOf turns `--keys-only` output (each key followed by an empty value line) into the key list. */
function keysOf(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '');
}

describeCompat('etcdctl 3.4 against a single-member store', ['etcdctl', 'store'], () => {
  const store = useStore({ name: 'ctl' });
  const ctl = new Etcdctl(() => store().endpoint);
  const tracked = trackProcesses();

  async function revision(): Promise<number> {
    const r = await ctl.json<JsonGet>(['get', 'no-such-key/revision-probe']);
    return Number(r.header.revision);
  }

  async function putRev(key: string, value: string): Promise<number> {
    const r = await ctl.json<{ header: JsonHeader }>(['put', key, value]);
    return Number(r.header.revision);
  }

  async function endpointStatus(): Promise<JsonEndpointStatus> {
    const list = await ctl.json<JsonEndpointStatus[]>(['endpoint', 'status']);
    expect(list).toHaveLength(1);
    return list[0] as JsonEndpointStatus;
  }

  describe('put and get', () => {
    it('put prints OK, get prints key and value lines, a missing key prints nothing', async () => {
      expect(await ctl.ok(['put', 'pg/k', 'v1'])).toBe('OK\n');
      expect(await ctl.ok(['get', 'pg/k'])).toBe('pg/k\nv1\n');
      expect(await ctl.ok(['get', 'pg/k', '--print-value-only'])).toBe('v1\n');
      expect(await ctl.ok(['get', 'pg/missing'])).toBe('');
      expect(await ctl.ok(['put', '--prev-kv', 'pg/k', 'v2'])).toBe('OK\npg/k\nv1\n');
      expect(await ctl.ok(['get', 'pg/k', '--consistency=s'])).toBe('pg/k\nv2\n');
    });

    it('get --prefix returns the keys under the prefix in byte order, nothing else', async () => {
      for (const [k, v] of [['pfx/b', '2'], ['pfx/a', '1'], ['pfx0', 'x'], ['pfx/c', '3'], ['pf', 'y']]) await ctl.ok(['put', k as string, v as string]);
      expect(await ctl.ok(['get', 'pfx/', '--prefix'])).toBe('pfx/a\n1\npfx/b\n2\npfx/c\n3\n');
      expect(await ctl.ok(['get', 'pfx/', 'pfx/c'])).toBe('pfx/a\n1\npfx/b\n2\n');
    });

    it('get --rev reads the value as of that revision; a future revision is an error', async () => {
      const r1 = await putRev('rev/k', 'first');
      const r2 = await putRev('rev/k', 'second');
      expect(r2).toBe(r1 + 1);
      expect(await ctl.ok(['get', 'rev/k', `--rev=${r1}`])).toBe('rev/k\nfirst\n');
      expect(await ctl.ok(['get', 'rev/k', `--rev=${r2}`])).toBe('rev/k\nsecond\n');
      expect(await ctl.ok(['get', 'rev/k', `--rev=${r1 - 1}`])).toBe('');
      const future = await ctl.fail(['get', 'rev/k', `--rev=${r2 + 1000}`]);
      expect(future.code).toBe(1);
      expect(errorLines(future.stderr)).toEqual(['Error: etcdserver: mvcc: required revision is a future revision']);
    });

    it('get --limit returns the first keys, with more=true and the full count in -w json', async () => {
      for (const k of ['lim/a', 'lim/b', 'lim/c']) await ctl.ok(['put', k, 'v']);
      expect(keysOf(await ctl.ok(['get', 'lim/', '--prefix', '--limit=2', '--keys-only']))).toEqual(['lim/a', 'lim/b']);
      const r = await ctl.json<JsonGet>(['get', 'lim/', '--prefix', '--limit=2']);
      expect(r.kvs?.map((kv) => kv.key)).toEqual([b64('lim/a'), b64('lim/b')]);
      expect(r.more).toBe(true);
      expect(r.count).toBe('3');
      const all = await ctl.json<JsonGet>(['get', 'lim/', '--prefix']);
      expect(all.more).toBeUndefined();
      expect(all.count).toBe('3');
      const none = await ctl.json<JsonGet>(['get', 'lim/none']);
      expect(none.kvs).toBeUndefined();
      expect(none.count).toBeUndefined();
    });

    it('get --sort-by and --order sort by key, create, modify, version and value', async () => {
      // create order c, a, b; mod order b, c, a; versions a=3 b=1 c=2; values a=5 b=2 c=0
      for (const [k, v] of [['s/c', '1'], ['s/a', '3'], ['s/b', '2'], ['s/c', '0'], ['s/a', '4'], ['s/a', '5']]) await ctl.ok(['put', k as string, v as string]);
      const sorted = async (...flags: string[]): Promise<string[]> => keysOf(await ctl.ok(['get', 's/', '--prefix', '--keys-only', ...flags]));
      expect(await sorted()).toEqual(['s/a', 's/b', 's/c']);
      expect(await sorted('--order=DESCEND')).toEqual(['s/c', 's/b', 's/a']);
      expect(await sorted('--sort-by=KEY', '--order=DESCEND')).toEqual(['s/c', 's/b', 's/a']);
      expect(await sorted('--sort-by=CREATE')).toEqual(['s/c', 's/a', 's/b']);
      expect(await sorted('--sort-by=CREATE', '--order=DESCEND')).toEqual(['s/b', 's/a', 's/c']);
      expect(await sorted('--sort-by=MODIFY', '--order=ASCEND')).toEqual(['s/b', 's/c', 's/a']);
      expect(await sorted('--sort-by=MODIFY', '--order=DESCEND')).toEqual(['s/a', 's/c', 's/b']);
      expect(await sorted('--sort-by=VERSION')).toEqual(['s/b', 's/c', 's/a']);
      expect(await sorted('--sort-by=VALUE')).toEqual(['s/c', 's/b', 's/a']);
      expect(await sorted('--sort-by=VALUE', '--order=DESCEND', '--limit=1')).toEqual(['s/a']);
    });

    it('get -w json carries the response header and base64 keys and values', async () => {
      const r = await ctl.json<{ header: JsonHeader }>(['put', 'json/k', 'json-value']);
      const rev = r.header.revision;
      const got = await ctl.json<JsonGet>(['get', 'json/k']);
      expect(got.header.revision).toBe(rev);
      expect(got.kvs).toEqual([{ key: b64('json/k'), create_revision: rev, mod_revision: rev, version: '1', value: b64('json-value') }]);
      expect(got.count).toBe('1');
      const members = await ctl.json<JsonMemberList>(['member', 'list']);
      const status = await endpointStatus();
      expect(BigInt(got.header.cluster_id)).not.toBe(0n);
      expect(got.header.cluster_id).toBe(members.header.cluster_id);
      expect(got.header.member_id).toBe(members.members[0]?.ID);
      expect(got.header.raft_term).toBe(status.Status.raftTerm);
      expect(Number(got.header.raft_term)).toBeGreaterThanOrEqual(1);
    });

    it('get --keys-only prints each key with an empty value line and omits values from -w json', async () => {
      for (const k of ['ko/a', 'ko/b']) await ctl.ok(['put', k, 'some-value']);
      expect(await ctl.ok(['get', 'ko/', '--prefix', '--keys-only'])).toBe('ko/a\n\nko/b\n\n');
      const r = await ctl.json<JsonGet>(['get', 'ko/', '--prefix', '--keys-only']);
      expect(r.kvs?.map((kv) => kv.key)).toEqual([b64('ko/a'), b64('ko/b')]);
      for (const kv of r.kvs ?? []) expect(kv.value).toBeUndefined();
      expect(r.count).toBe('2');
    });

    it('get --from-key returns every key at or after the given one', async () => {
      // '~' sorts after every other key this suite writes
      for (const k of ['~from/a', '~from/b', '~from/c']) await ctl.ok(['put', k, 'v']);
      expect(keysOf(await ctl.ok(['get', '~from/b', '--from-key', '--keys-only']))).toEqual(['~from/b', '~from/c']);
      expect(keysOf(await ctl.ok(['get', '~from/', '--from-key', '--keys-only', '--limit=1']))).toEqual(['~from/a']);
    });
  });

  describe('del', () => {
    it('del prints the number of deleted keys; --prefix deletes the range; --prev-kv prints what was deleted', async () => {
      for (const k of ['del/a', 'del/b', 'del/c', 'del0']) await ctl.ok(['put', k, `val-${k}`]);
      expect(await ctl.ok(['del', 'del/missing'])).toBe('0\n');
      expect(await ctl.ok(['del', 'del/', '--prefix'])).toBe('3\n');
      expect(await ctl.ok(['get', 'del/', '--prefix'])).toBe('');
      expect(await ctl.ok(['get', 'del0'])).toBe('del0\nval-del0\n');
      expect(await ctl.ok(['del', '--prev-kv', 'del0'])).toBe('1\ndel0\nval-del0\n');
      for (const k of ['delp/a', 'delp/b']) await ctl.ok(['put', k, 'x']);
      expect(await ctl.ok(['del', '--prefix', '--prev-kv', 'delp/'])).toBe('2\ndelp/a\nx\ndelp/b\nx\n');
    });
  });

  describe('txn', () => {
    it('runs the success branch when every compare (value, version, create, mod) holds', async () => {
      const rev = await putRev('txn/a', '1');
      const input = [
        'value("txn/a") = "1"',
        'version("txn/a") = "1"',
        `create("txn/a") = "${rev}"`,
        `mod("txn/a") = "${rev}"`,
        `mod("txn/a") < "${rev + 1}"`,
        'create("txn/b") = "0"',
        '',
        'put txn/b 2',
        'get txn/a',
        '',
        'put txn/c 3',
        '',
        '',
      ].join('\n');
      expect(await ctl.ok(['txn'], { input })).toBe('SUCCESS\n\nOK\n\ntxn/a\n1\n');
      expect(await ctl.ok(['get', 'txn/', '--prefix'])).toBe('txn/a\n1\ntxn/b\n2\n');
    });

    it('runs the failure branch when a compare fails, and reports succeeded only when true in -w json', async () => {
      const rev = await putRev('txnf/a', '1');
      const input = ['value("txnf/a") = "1"', `mod("txnf/a") > "${rev}"`, '', 'put txnf/never x', '', 'put txnf/fail y', 'get txnf/fail', 'del txnf/a', '', ''].join('\n');
      expect(await ctl.ok(['txn'], { input })).toBe('FAILURE\n\nOK\n\ntxnf/fail\ny\n\n1\n');
      expect(await ctl.ok(['get', 'txnf/', '--prefix'])).toBe('txnf/fail\ny\n');

      const failed = await ctl.json<{ header: JsonHeader; succeeded?: boolean; responses: unknown[] }>(['txn'], {
        input: ['version("txnf/a") > "0"', '', 'put txnf/never x', '', 'get txnf/fail', '', ''].join('\n'),
      });
      expect(failed.succeeded).toBeUndefined();
      expect(failed.responses).toHaveLength(1);
      const succeeded = await ctl.json<{ header: JsonHeader; succeeded?: boolean; responses: unknown[] }>(['txn'], {
        input: ['version("txnf/a") = "0"', '', 'put txnf/ok z', '', '', ''].join('\n'),
      });
      expect(succeeded.succeeded).toBe(true);
      expect(succeeded.responses).toEqual([{ Response: { ResponsePut: { header: { revision: succeeded.header.revision } } } }]);
    });
  });

  describe('watch', () => {
    it('watch --prefix prints PUT and DELETE events for the prefix only, as they happen', async () => {
      const from = (await revision()) + 1;
      const w = tracked(ctl.spawn(['watch', '--prefix', 'wl/', `--rev=${from}`]));
      await ctl.ok(['put', 'wl/a', '1']);
      expect(await w.nextLines(3, 10_000, 'the first PUT event')).toEqual(['PUT', 'wl/a', '1']);
      await ctl.ok(['put', 'wl/b', '2']);
      await ctl.ok(['put', 'other/x', 'not-watched']);
      await ctl.ok(['del', 'wl/a']);
      await ctl.ok(['put', 'wl/end', '3']);
      expect(await w.nextLines(9, 10_000, 'PUT wl/b, DELETE wl/a, PUT wl/end')).toEqual(['PUT', 'wl/b', '2', 'DELETE', 'wl/a', '', 'PUT', 'wl/end', '3']);
    });

    it('watch --rev replays history in revision order', async () => {
      const first = await putRev('wh/1', 'a');
      await ctl.ok(['put', 'wh/2', 'b']);
      await ctl.ok(['put', 'wh/1', 'c']);
      await ctl.ok(['del', 'wh/2']);
      const w = tracked(ctl.spawn(['watch', '--prefix', 'wh/', `--rev=${first}`]));
      expect(await w.nextLines(12, 10_000, 'four historic events')).toEqual(['PUT', 'wh/1', 'a', 'PUT', 'wh/2', 'b', 'PUT', 'wh/1', 'c', 'DELETE', 'wh/2', '']);
      const w2 = tracked(ctl.spawn(['watch', 'wh/1', `--rev=${first + 1}`]));
      expect(await w2.nextLines(3, 10_000, 'the one later event on wh/1')).toEqual(['PUT', 'wh/1', 'c']);
    });

    it('watch --prev-kv prints the previous key and value before each event', async () => {
      const first = await putRev('wp/k', 'old');
      await ctl.ok(['put', 'wp/k', 'new']);
      await ctl.ok(['del', 'wp/k']);
      const w = tracked(ctl.spawn(['watch', '--prev-kv', '--prefix', 'wp/', `--rev=${first}`]));
      expect(await w.nextLines(13, 10_000, 'three events with previous values')).toEqual([
        'PUT', 'wp/k', 'old',
        'PUT', 'wp/k', 'old', 'wp/k', 'new',
        'DELETE', 'wp/k', 'new', 'wp/k', '',
      ]);
    });

    it('watch -w json prints the watch response with typed events and the prev_kv', async () => {
      const first = await putRev('wj/k', 'one');
      const second = await putRev('wj/k', 'two');
      const w = tracked(ctl.spawn(['watch', '--prev-kv', 'wj/k', `--rev=${second}`, '-w', 'json']));
      const [line] = await w.nextLines(1, 10_000, 'one JSON watch response');
      const resp = parseEtcdJson<{ Header: JsonHeader; Events: { type?: string; kv: JsonKv; prev_kv?: JsonKv }[]; CompactRevision: string; Canceled: boolean; Created: boolean }>(line ?? '');
      expect(resp.Events).toEqual([
        {
          kv: { key: b64('wj/k'), create_revision: String(first), mod_revision: String(second), version: '2', value: b64('two') },
          prev_kv: { key: b64('wj/k'), create_revision: String(first), mod_revision: String(first), version: '1', value: b64('one') },
        },
      ]);
      expect(resp.CompactRevision).toBe('0');
      expect(resp.Canceled).toBe(false);
    });
  });

  describe('lease', () => {
    it('grant, attach keys, timetolive --keys, keep-alive --once, list, revoke', async () => {
      const granted = await ctl.ok(['lease', 'grant', '60']);
      const m = /^lease ([0-9a-f]{16}) granted with TTL\(60s\)\n$/.exec(granted);
      expect(m, granted).not.toBeNull();
      const id = m?.[1] as string;
      await ctl.ok(['put', `--lease=${id}`, 'lease/k1', 'v1']);
      await ctl.ok(['put', `--lease=${id}`, 'lease/k2', 'v2']);

      const ttl = await ctl.ok(['lease', 'timetolive', id, '--keys']);
      const t = new RegExp(`^lease ${id} granted with TTL\\(60s\\), remaining\\((\\d+)s\\), attached keys\\(\\[(.*)\\]\\)\\n$`).exec(ttl);
      expect(t, ttl).not.toBeNull();
      expect(Number(t?.[1])).toBeGreaterThanOrEqual(55);
      expect(Number(t?.[1])).toBeLessThanOrEqual(60);
      expect((t?.[2] ?? '').split(' ').sort()).toEqual(['lease/k1', 'lease/k2']);

      const ttlJson = await ctl.json<{ id: string; ttl: string; 'granted-ttl': string; keys: string[] | null }>(['lease', 'timetolive', id, '--keys']);
      expect(BigInt(ttlJson.id)).toBe(BigInt(`0x${id}`));
      expect(ttlJson['granted-ttl']).toBe('60');
      expect([...(ttlJson.keys ?? [])].sort()).toEqual([b64('lease/k1'), b64('lease/k2')]);

      expect(await ctl.ok(['lease', 'keep-alive', '--once', id])).toBe(`lease ${id} keepalived with TTL(60)\n`);

      const list = await ctl.ok(['lease', 'list']);
      expect(list).toMatch(/^found \d+ leases\n/);
      expect(list.split('\n')).toContain(id);
      const listJson = await ctl.json<{ leases: { id: string }[] }>(['lease', 'list']);
      expect(listJson.leases.map((l) => BigInt(l.id))).toContain(BigInt(`0x${id}`));

      expect(await ctl.ok(['lease', 'revoke', id])).toBe(`lease ${id} revoked\n`);
      expect(await ctl.ok(['get', 'lease/', '--prefix'])).toBe('');
      expect(await ctl.ok(['lease', 'timetolive', id])).toBe(`lease ${id} already expired\n`);
      expect((await ctl.ok(['lease', 'list'])).split('\n')).not.toContain(id);
    });

    it('streaming keep-alive (no --once) renews about every TTL/3 and keeps the key past its TTL; once stopped, the lease expires', async () => {
      const granted = await ctl.ok(['lease', 'grant', '3']);
      const id = /^lease ([0-9a-f]{16}) granted with TTL\(3s\)\n$/.exec(granted)?.[1];
      expect(id, granted).toBeDefined();
      const grantedAt = Date.now();
      await ctl.ok(['put', `--lease=${id!}`, 'kept/k', 'v']);
      const keepAlive = tracked(ctl.spawn(['lease', 'keep-alive', id!]));
      // Four renewals take longer than the TTL (clientv3 renews every TTL/3).
      const lines = await keepAlive.nextLines(4, 15_000, 'four keep-alive renewals');
      expect(lines).toEqual(Array.from({ length: 4 }, () => `lease ${id!} keepalived with TTL(3)`));
      expect(Date.now() - grantedAt).toBeGreaterThan(3_000);
      expect(await ctl.ok(['get', 'kept/k', '--print-value-only'])).toBe('v\n');
      await keepAlive.stop();
      await waitFor(async () => ((await ctl.ok(['get', 'kept/k'])) === '' ? true : undefined), { timeoutMs: 15_000, intervalMs: 200, what: 'the key to vanish once keep-alive stopped' });
      expect(await ctl.ok(['lease', 'timetolive', id!])).toBe(`lease ${id!} already expired\n`);
    });

    it('a lease that is not kept alive expires and takes its keys; a TTL under the minimum is raised to 2 s', async () => {
      const granted = await ctl.ok(['lease', 'grant', '1']);
      const m = /^lease ([0-9a-f]{16}) granted with TTL\(2s\)\n$/.exec(granted);
      expect(m, granted).not.toBeNull();
      const id = m?.[1] as string;
      await ctl.ok(['put', `--lease=${id}`, 'expiring/k', 'v']);
      expect(await ctl.ok(['get', 'expiring/k'])).toBe('expiring/k\nv\n');
      await waitFor(async () => ((await ctl.ok(['get', 'expiring/k'])) === '' ? true : undefined), { timeoutMs: 15_000, intervalMs: 200, what: 'the leased key to vanish' });
      expect(await ctl.ok(['lease', 'timetolive', id])).toBe(`lease ${id} already expired\n`);
    });

    it('keep-alive, timetolive and revoke of a lease that does not exist', async () => {
      const keepAlive = await ctl.fail(['lease', 'keep-alive', '--once', '1234abcd']);
      expect(errorLines(keepAlive.stderr)).toEqual(['Error: etcdserver: requested lease not found']);
      // etcd answers LeaseTimeToLive for an unknown lease with TTL -1, not an error
      expect(await ctl.ok(['lease', 'timetolive', '1234abcd'])).toBe('lease 000000001234abcd already expired\n');
      const revoke = await ctl.fail(['lease', 'revoke', '1234abcd']);
      expect(revoke.code).toBe(1);
      expect(errorLines(revoke.stderr)).toEqual(['Error: failed to revoke lease (etcdserver: requested lease not found)']);
    });
  });

  describe('cluster and maintenance', () => {
    it('member list shows the one started member, in simple and json form', async () => {
      const s = store();
      const json = await ctl.json<JsonMemberList>(['member', 'list']);
      expect(json.members).toHaveLength(1);
      const member = json.members[0];
      expect(member?.name).toBe('ctl');
      expect(member?.peerURLs).toEqual([s.peerUrl]);
      expect(member?.clientURLs).toEqual([s.endpoint]);
      expect(member?.isLearner).toBeUndefined();
      expect(json.header.member_id).toBe(member?.ID);
      expect(await ctl.ok(['member', 'list'])).toBe(`${hex(member?.ID ?? '0')}, started, ctl, ${s.peerUrl}, ${s.endpoint}, false\n`);
    });

    it('endpoint status reports version, db size, leader and raft index/term', async () => {
      const s = store();
      const before = await endpointStatus();
      expect(before.Endpoint).toBe(s.endpoint);
      const st = before.Status;
      expect(st.version).toMatch(/^3\.\d+\.\d+$/);
      expect(Number(st.dbSize)).toBeGreaterThan(0);
      expect(Number(st.dbSizeInUse)).toBeGreaterThan(0);
      expect(Number(st.dbSizeInUse)).toBeLessThanOrEqual(Number(st.dbSize));
      expect(st.leader).toBe(st.header.member_id);
      expect(st.raftTerm).toBe(st.header.raft_term);
      expect(Number(st.raftTerm)).toBeGreaterThanOrEqual(1);
      expect(Number(st.raftIndex)).toBeGreaterThan(0);
      expect(Number(st.raftAppliedIndex)).toBeGreaterThan(0);
      expect(Number(st.raftAppliedIndex)).toBeLessThanOrEqual(Number(st.raftIndex));
      expect(st.errors).toBeUndefined();

      await ctl.ok(['put', 'status/k', 'v']);
      const after = (await endpointStatus()).Status;
      expect(Number(after.raftIndex)).toBeGreaterThan(Number(st.raftIndex));
      expect(Number(after.header.revision)).toBeGreaterThan(Number(st.header.revision));

      const simple = await ctl.ok(['endpoint', 'status']);
      const id = hex(st.header.member_id);
      const fields = simple.replace(/\n$/, '').split(', ');
      expect(fields.slice(0, 3)).toEqual([s.endpoint, id, st.version]);
      expect(fields[3]).toMatch(/^\d+(\.\d+)? (B|kB|MB|GB)$/);
      expect(fields.slice(4, 6)).toEqual(['true', 'false']);
      expect(fields[6]).toBe(after.raftTerm);
    });

    it('endpoint health reports the member healthy', async () => {
      const s = store();
      // etcdctl 3.4 prints the simple health line on stderr
      const r = await ctl.run(['endpoint', 'health']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^${s.endpoint.replace(/[.]/g, '\\.')} is healthy: successfully committed proposal: took = \\S+\\n$`));
      const json = await ctl.json<{ endpoint: string; health: boolean; took: string }[]>(['endpoint', 'health']);
      expect(json).toHaveLength(1);
      expect(json[0]?.endpoint).toBe(s.endpoint);
      expect(json[0]?.health).toBe(true);
    });

    it('compaction drops older revisions: get --rev and watch --rev below it fail with the compacted error', async () => {
      const r1 = await putRev('cmp/k', 'v1');
      const r2 = await putRev('cmp/k', 'v2');
      const r3 = await putRev('cmp/k', 'v3');
      expect(await ctl.ok(['compaction', String(r2)])).toBe(`compacted revision ${r2}\n`);

      const old = await ctl.fail(['get', 'cmp/k', `--rev=${r1}`]);
      expect(old.code).toBe(1);
      expect(errorLines(old.stderr)).toEqual([COMPACTED]);
      // the compaction revision itself stays readable: etcd refuses only rev < compactRev
      expect(await ctl.ok(['get', 'cmp/k', `--rev=${r2}`])).toBe('cmp/k\nv2\n');
      expect(await ctl.ok(['get', 'cmp/k', `--rev=${r3}`])).toBe('cmp/k\nv3\n');
      expect(await ctl.ok(['get', 'cmp/k'])).toBe('cmp/k\nv3\n');

      // compacting again at or below the compacted revision, or beyond the current one, is refused
      expect(errorLines((await ctl.fail(['compaction', String(r2)])).stderr)).toEqual([COMPACTED]);
      expect(errorLines((await ctl.fail(['compaction', String(r3 + 1000)])).stderr)).toEqual(['Error: etcdserver: mvcc: required revision is a future revision']);
      expect(await ctl.ok(['compaction', '--physical', String(r3)])).toBe(`compacted revision ${r3}\n`);

      const w = tracked(ctl.spawn(['watch', 'cmp/k', `--rev=${r1}`]));
      const exit = await w.waitExit(10_000);
      expect(exit.code).toBe(5);
      expect(errorLines(w.stderr)).toEqual(['watch was canceled (etcdserver: mvcc: required revision has been compacted)', 'Error: watch is canceled by the server']);
    });

    it('defrag reports success and the data is intact', async () => {
      await ctl.ok(['put', 'defrag/k', 'kept']);
      expect(await ctl.ok(['defrag'])).toBe(`Finished defragmenting etcd member[${store().endpoint}]\n`);
      expect(await ctl.ok(['get', 'defrag/k'])).toBe('defrag/k\nkept\n');
      expect(await ctl.ok(['put', 'defrag/k2', 'after'])).toBe('OK\n');
    });

    it('alarm list and alarm disarm print nothing when no alarm is raised', async () => {
      expect(await ctl.ok(['alarm', 'list'])).toBe('');
      expect(await ctl.ok(['alarm', 'disarm'])).toBe('');
    });

    describe('snapshot', () => {
      let dir = '';
      afterAll(() => {
        if (dir !== '') rmSync(dir, { recursive: true, force: true });
      });

      it('snapshot save writes a non-empty file ending in the sha256 of the database', async () => {
        dir = mkdtempSync(join(tmpdir(), 'capstan-compat-snap-'));
        await ctl.ok(['put', 'snap/k', 'v']);
        const path = join(dir, 'save.db');
        const out = await ctl.ok(['snapshot', 'save', path]);
        expect(out).toBe(`Snapshot saved at ${path}\n`);
        const bytes = readFileSync(path);
        expect(bytes.length).toBeGreaterThan(32);
        // etcd's Maintenance.Snapshot stream appends sha256(db); `snapshot restore` verifies it
        const db = bytes.subarray(0, bytes.length - 32);
        expect(bytes.subarray(bytes.length - 32).toString('hex')).toBe(createHash('sha256').update(db).digest('hex'));
      });

      // etcd's snapshot is a bbolt file that `etcdctl snapshot status` opens; capstan's is its own format
      // (src/store/snapshot-format.ts), which etcdctl saves and checks the same way but cannot open.
      it.runIf(compatTarget() === 'etcd')('snapshot status reads the saved file: revision at save time, key count and size', async () => {
        dir ||= mkdtempSync(join(tmpdir(), 'capstan-compat-snap-'));
        await ctl.ok(['put', 'snap/k2', 'v']);
        const rev = await revision();
        const path = join(dir, 'status.db');
        await ctl.ok(['snapshot', 'save', path]);
        const st = await ctl.json<{ hash: string; revision: string; totalKey: string; totalSize: string }>(['snapshot', 'status', path]);
        expect(st.revision).toBe(String(rev));
        expect(Number(st.totalKey)).toBeGreaterThan(0);
        expect(Number(st.totalSize)).toBeGreaterThan(0);
        expect(Number(st.totalSize)).toBeLessThanOrEqual(statSync(path).size);
        expect(st.hash).toMatch(/^\d+$/);
      });

      it.runIf(compatTarget() === 'capstan')('the saved file is an intact capstan snapshot holding the latest writes', async () => {
        dir ||= mkdtempSync(join(tmpdir(), 'capstan-compat-snap-'));
        await ctl.ok(['put', 'snap/k2', 'v2']);
        const path = join(dir, 'capstan.db');
        await ctl.ok(['snapshot', 'save', path]);
        const { records } = readSnapshot(readFileSync(path));
        const values = records.filter((r) => r.key[0] === 0x6b).map((r) => decodeKeyValue(r.value));
        expect(values.some((kv) => kv.key.toString() === 'snap/k2' && kv.value.toString() === 'v2')).toBe(true);
      });
    });

    it('move-leader to the only member succeeds as a no-op; to an unknown member it is refused', async () => {
      const status = await endpointStatus();
      const id = hex(status.Status.header.member_id);
      expect(await ctl.ok(['move-leader', id])).toBe(`Leadership transferred from ${id} to ${id}\n`);
      expect((await endpointStatus()).Status.leader).toBe(status.Status.header.member_id);
      const bad = await ctl.fail(['move-leader', 'abcdef']);
      expect(bad.code).toBe(1);
      expect(errorLines(bad.stderr)).toEqual(['Error: etcdserver: bad leader transferee']);
      expect(await ctl.ok(['put', 'move-leader/after', 'v'])).toBe('OK\n');
    });
  });

  describe('NOSPACE alarm with a small --quota-backend-bytes', () => {
    const small = useStore({ name: 'quota', flags: ['--quota-backend-bytes=262144'] });
    const qctl = new Etcdctl(() => small().endpoint);
    const NOSPACE = 'Error: etcdserver: mvcc: database space exceeded';

    it('puts fail with "database space exceeded" once the quota is hit; deletes (in a Txn too), compact, defrag and disarm recover', async () => {
      const value = 'x'.repeat(8000);
      let failedAt = -1;
      for (let i = 0; i < 200 && failedAt < 0; i++) {
        const r = await qctl.run(['put', `quota/${String(i).padStart(3, '0')}`, value]);
        if (r.code !== 0) {
          failedAt = i;
          expect(r.code).toBe(1);
          expect(errorLines(r.stderr)).toEqual([NOSPACE]);
        }
      }
      expect(failedAt, 'the quota was never reached').toBeGreaterThan(0);

      const memberId = (await qctl.json<JsonMemberList>(['member', 'list'])).members[0]?.ID ?? '';
      const alarm = `memberID:${memberId} alarm:NOSPACE `;
      expect(await qctl.ok(['alarm', 'list'])).toBe(`${alarm}\n`);
      const status = await qctl.json<JsonEndpointStatus[]>(['endpoint', 'status']);
      expect(status[0]?.Status.errors).toEqual([alarm]);

      // while the alarm is raised: writes fail, reads and deletes work — in a Txn too (as kube-apiserver deletes),
      // unless the Txn could put on either branch
      expect(errorLines((await qctl.fail(['put', 'quota/small', 'v'])).stderr)).toEqual([NOSPACE]);
      expect(await qctl.ok(['get', 'quota/000', '--print-value-only'])).toBe(`${value}\n`);
      const holds = 'version("quota/none") = "0"';
      expect(await qctl.ok(['txn'], { input: [holds, '', 'get quota/none', '', '', ''].join('\n') })).toBe('SUCCESS\n\n');
      expect(await qctl.ok(['txn'], { input: [holds, '', 'del quota/000', '', '', ''].join('\n') })).toBe('SUCCESS\n\n1\n');
      const putNotTaken = await qctl.fail(['txn'], { input: [holds, '', 'del quota/001', '', 'put quota/never v', '', ''].join('\n') });
      expect(errorLines(putNotTaken.stderr)).toEqual([NOSPACE]);
      expect(await qctl.ok(['get', 'quota/001', '--print-value-only'])).toBe(`${value}\n`);
      // etcd's apply-time quota check stores the put that crosses the quota and still answers NOSPACE,
      // so the refused put may or may not be there
      const deleted = Number(await qctl.ok(['del', 'quota/', '--prefix']));
      expect([failedAt - 1, failedAt]).toContain(deleted);

      const rev = Number((await qctl.json<JsonGet>(['get', 'quota/none'])).header.revision);
      expect(await qctl.ok(['compaction', String(rev)])).toBe(`compacted revision ${rev}\n`);
      expect(await qctl.ok(['defrag'])).toBe(`Finished defragmenting etcd member[${small().endpoint}]\n`);
      expect(await qctl.ok(['alarm', 'disarm'])).toBe(`${alarm}\n`);
      expect(await qctl.ok(['alarm', 'list'])).toBe('');
      expect(await qctl.ok(['put', 'quota/small', 'v'])).toBe('OK\n');
    });
  });
});
