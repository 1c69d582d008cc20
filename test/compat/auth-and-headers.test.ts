/**
 * Answers that are easy to get subtly wrong: the Auth service of a store whose authentication is off, the
 * Maintenance.Hash of the store, and the response header {cluster_id, member_id, revision, raft_term} that
 * etcd puts on every response of every service (clients read the revision and term from it).
 */
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { Etcdctl } from './helpers/etcdctl.js';
import { EtcdGrpc, grpcFailure, type ResponseHeader, type WatchResponse } from './helpers/grpc.js';
import { useStore } from './helpers/store.js';
import { compatTarget, describeCompat } from './helpers/tools.js';

const AUTH_NOT_ENABLED = 'etcdserver: authentication is not enabled';

describeCompat('Auth, Hash and response headers', ['store', 'etcdctl'], () => {
  const store = useStore({ name: 'answers' });
  const etcdctl = new Etcdctl(() => store().endpoint);
  let channel: EtcdGrpc | undefined;
  const rpc = (): EtcdGrpc => (channel ??= new EtcdGrpc(store().address));
  afterAll(() => {
    channel?.close();
  });

  describe('Auth with authentication disabled', () => {
    it('AuthStatus answers enabled=false with a full header (etcd 3.4 predates AuthStatus: UNIMPLEMENTED)', async () => {
      if (compatTarget() === 'etcd') {
        expect((await grpcFailure(rpc().unary('Auth', 'AuthStatus', {}))).code).toBe(status.UNIMPLEMENTED);
        return;
      }
      const r = await rpc().unary<{ header: ResponseHeader; enabled: boolean; authRevision: string }>('Auth', 'AuthStatus', {});
      expect(r.enabled).toBe(false);
      expect(r.header.cluster_id).not.toBe('0');
      expect(r.header.member_id).not.toBe('0');
      expect(Number(r.header.raft_term)).toBeGreaterThanOrEqual(1);
      expect(Number(r.header.revision)).toBeGreaterThanOrEqual(1);
    });

    it('Authenticate is FAILED_PRECONDITION "authentication is not enabled", which etcdctl --user recognises and ignores', async () => {
      expect(await grpcFailure(rpc().unary('Auth', 'Authenticate', { name: 'root', password: 'secret' }))).toEqual({
        code: status.FAILED_PRECONDITION,
        details: AUTH_NOT_ENABLED,
      });
      // clientv3 authenticates at dial time and carries on without a token only when the error is exactly
      // rpctypes.ErrAuthNotEnabled, which it recognises by this message: any other answer fails the command.
      await rpc().set('auth/k', 'v');
      const r = await etcdctl.run(['--user=root:secret', 'get', 'auth/k', '--print-value-only']);
      expect([r.code, r.stdout], r.stderr).toEqual([0, 'v\n']);
    });

    it.runIf(compatTarget() === 'capstan')('user management is UNIMPLEMENTED (capstan cannot enable authentication)', async () => {
      const f = await grpcFailure(rpc().unary('Auth', 'UserAdd', { name: 'alice', password: 'pw' }));
      expect(f.code).toBe(status.UNIMPLEMENTED);
      expect(f.details).toContain('authentication is disabled');
      const e = await grpcFailure(rpc().unary('Auth', 'AuthEnable', {}));
      expect(e.code).toBe(status.UNIMPLEMENTED);
    });
  });

  describe('Maintenance.Hash', () => {
    it('answers a non-zero hash with a header; stable without writes, different after one', async () => {
      await rpc().set('hash/a', '1');
      const h1 = await rpc().unary<{ header: ResponseHeader; hash: number }>('Maintenance', 'Hash', {});
      const h2 = await rpc().unary<{ header: ResponseHeader; hash: number }>('Maintenance', 'Hash', {});
      expect(h1.hash).not.toBe(0);
      expect(h2.hash).toBe(h1.hash);
      expect(h1.header.cluster_id).not.toBe('0');
      expect(h1.header.member_id).not.toBe('0');
      expect(Number(h1.header.raft_term)).toBeGreaterThanOrEqual(1);
      await rpc().set('hash/a', '2');
      const h3 = await rpc().unary<{ header: ResponseHeader; hash: number }>('Maintenance', 'Hash', {});
      expect(h3.hash).not.toBe(h1.hash);
    });
  });

  describe('every service answers with the full header', () => {
    it('KV, Lease, Watch, Cluster and Maintenance responses carry cluster_id, member_id, the current revision and raft_term', async () => {
      // etcd 3.4 itself leaves a few out (the suite documents them when run against it): MemberList has no
      // revision, Alarm and Defragment answer with no header at all. capstan fills every one.
      const etcd34 = compatTarget() === 'etcd';
      const missing = etcd34 ? new Set(['Alarm', 'Defragment']) : new Set<string>();
      const noRevision = etcd34 ? new Set(['MemberList']) : new Set<string>();
      const c = rpc();
      const put = await c.set('hdr/k', 'v');
      const rev = put.header.revision;
      const { cluster_id: clusterId, member_id: memberId } = put.header;
      expect(clusterId).not.toBe('0');
      expect(memberId).not.toBe('0');
      const seen: [string, ResponseHeader][] = [['Put', put.header]];
      const add = (name: string, h: ResponseHeader | null | undefined): void => {
        seen.push([name, h ?? { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' }]);
      };

      // Reads and writes that do not change the revision answer with the current one.
      add('Range', (await c.range({ key: Buffer.from('hdr/k') })).header);
      const grant = await c.leaseGrant(60);
      add('LeaseGrant', grant.header);
      add('LeaseTimeToLive', (await c.leaseTimeToLive(grant.ID)).header);
      add('LeaseLeases', (await c.unary<{ header: ResponseHeader }>('Lease', 'LeaseLeases', {})).header);
      const ka = c.keepAlive();
      ka.send({ ID: grant.ID });
      add('LeaseKeepAlive', (await ka.next(5000, 'keep-alive response')).header);
      ka.close();
      add('LeaseRevoke', (await c.leaseRevoke(grant.ID)).header);
      add('MemberList', (await c.memberList()).header);
      add('Status', (await c.status()).header);
      add('Alarm', (await c.unary<{ header: ResponseHeader }>('Maintenance', 'Alarm', { action: 'Get', memberID: 0, alarm: 'None' })).header);
      add('HashKV', (await c.hashKV()).header);
      add('Hash', (await c.unary<{ header: ResponseHeader }>('Maintenance', 'Hash', {})).header);
      add('Defragment', (await c.unary<{ header: ResponseHeader }>('Maintenance', 'Defragment', {})).header);
      add('Compact', (await c.compact(rev)).header);
      const w = c.watch();
      w.send({ create_request: { key: Buffer.from('hdr/k') } });
      const created: WatchResponse = await w.next(5000, 'watch created');
      expect(created.created).toBe(true);
      add('Watch created', created.header);
      w.close();

      for (const [name, h] of seen) {
        if (missing.has(name)) {
          expect([name, h], `${name} header`).toEqual([name, { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' }]);
          continue;
        }
        const wantRev = noRevision.has(name) ? '0' : rev;
        expect([name, h.cluster_id, h.member_id, h.revision], `${name} header`).toEqual([name, clusterId, memberId, wantRev]);
        expect(Number(h.raft_term), `${name} raft_term`).toBeGreaterThanOrEqual(1);
      }
    });
  });
});
