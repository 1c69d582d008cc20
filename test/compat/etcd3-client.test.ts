/**
 * The npm `etcd3` client (1.1) against the store: KV with revisions, transactions, watches, leases
 * with keep-alive, and its Election and Lock recipes. Written against real etcd and run unchanged
 * against `capstan store`.
 */
import { Etcd3, EtcdLockFailedError, type IKeyValue } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { useStore } from './helpers/store.js';
import { describeCompat } from './helpers/tools.js';
import { AsyncQueue, waitFor, withDeadline } from './helpers/wait.js';

interface SeenEvent {
  type: 'put' | 'delete';
  key: string;
  value: string;
  modRevision: string;
  prev: string | undefined;
}

describeCompat('npm etcd3 client against a single-member store', ['store'], () => {
  const store = useStore({ name: 'etcd3' });
  let etcd3: Etcd3 | undefined;
  // created on first use, so a store that failed to start fails each test rather than a hook
  const client = (): Etcd3 => (etcd3 ??= new Etcd3({ hosts: store().endpoint, dialTimeout: 5_000 }));
  afterAll(() => {
    etcd3?.close();
  });

  describe('KV', () => {
    it('put answers with the new revision; get returns value, create/mod revision and version', async () => {
      const r1 = await client().put('kv/a').value('A1').exec();
      const rev1 = r1.header.revision;
      const got = await client().get('kv/a').exec();
      expect(got.header.revision).toBe(rev1);
      expect(got.kvs).toHaveLength(1);
      expect(got.kvs[0]).toMatchObject({ create_revision: rev1, mod_revision: rev1, version: '1', lease: '0' });
      expect(got.kvs[0]?.value.toString()).toBe('A1');

      const r2 = await client().put('kv/a').value('A2').exec();
      expect(Number(r2.header.revision)).toBe(Number(rev1) + 1);
      expect((await client().get('kv/a').exec()).kvs[0]).toMatchObject({ create_revision: rev1, mod_revision: r2.header.revision, version: '2' });
      expect(await client().get('kv/a').string()).toBe('A2');
      expect(await client().get('kv/a').revision(rev1).string()).toBe('A1');
      expect(await client().get('kv/missing').string()).toBeNull();

      const prev = await client().put('kv/a').value('A3').getPrevious();
      expect(prev.value.toString()).toBe('A2');
      expect(prev.mod_revision).toBe(r2.header.revision);
    });

    it('getAll with a prefix lists the keys in order, counts them, and delete removes them', async () => {
      await client().put('kvp/b').value('2');
      await client().put('kvp/a').value('1');
      await client().put('kvp/c').value(3);
      await client().put('kvp0').value('outside');
      expect(await client().getAll().prefix('kvp/').strings()).toEqual({ 'kvp/a': '1', 'kvp/b': '2', 'kvp/c': '3' });
      expect(await client().getAll().prefix('kvp/').keys()).toEqual(['kvp/a', 'kvp/b', 'kvp/c']);
      expect(await client().getAll().prefix('kvp/').count()).toBe(3);
      expect(await client().getAll().prefix('kvp/').sort('Key', 'Descend').limit(2).keys()).toEqual(['kvp/c', 'kvp/b']);

      const one = await client().delete().key('kvp/a').exec();
      expect(one.deleted).toBe('1');
      const gone = await client().delete().prefix('kvp/').getPrevious();
      expect(gone.map((kv) => kv.key.toString()).sort()).toEqual(['kvp/b', 'kvp/c']);
      expect(await client().getAll().prefix('kvp/').count()).toBe(0);
      expect(await client().get('kvp0').string()).toBe('outside');
      expect((await client().delete().key('kvp/none').exec()).deleted).toBe('0');
    });

    it('a namespace prefixes every key it touches', async () => {
      const ns = client().namespace('nsx/');
      await ns.put('k').value('v');
      expect(await client().get('nsx/k').string()).toBe('v');
      expect(await ns.getAll().keys()).toEqual(['k']);
      await ns.delete().all();
      expect(await client().getAll().prefix('nsx/').count()).toBe(0);
    });
  });

  describe('Txn', () => {
    it('if/then runs the then branch when the compares hold', async () => {
      const rev = (await client().put('txn/k').value('v1').exec()).header.revision;
      const res = await client()
        .if('txn/k', 'Value', '==', 'v1')
        .and('txn/k', 'Version', '==', 1)
        .and('txn/k', 'Mod', '==', rev)
        .and('txn/new', 'Create', '==', 0)
        .then(client().put('txn/then').value('t'), client().get('txn/k'))
        .else(client().put('txn/else').value('e'))
        .commit();
      expect(res.succeeded).toBe(true);
      expect(Number(res.header.revision)).toBe(Number(rev) + 1);
      expect(res.responses).toHaveLength(2);
      expect(res.responses[1]?.response_range?.kvs[0]?.value.toString()).toBe('v1');
      expect(await client().get('txn/then').string()).toBe('t');
      expect(await client().get('txn/else').string()).toBeNull();
    });

    it('if/else runs the else branch when a compare fails, and a failed txn writes nothing else', async () => {
      await client().put('txn2/k').value('v1');
      const before = (await client().get('txn2/k').exec()).header.revision;
      const res = await client()
        .if('txn2/k', 'Value', '==', 'other')
        .then(client().put('txn2/then').value('t'))
        .else(client().put('txn2/else').value('e'), client().delete().key('txn2/k'))
        .commit();
      expect(res.succeeded).toBe(false);
      expect(Number(res.header.revision)).toBe(Number(before) + 1);
      expect(await client().getAll().prefix('txn2/').strings()).toEqual({ 'txn2/else': 'e' });

      const readOnly = await client().if('txn2/else', 'Version', '>', 5).then(client().put('txn2/never').value('x')).commit();
      expect(readOnly.succeeded).toBe(false);
      expect(readOnly.header.revision).toBe(res.header.revision);
    });
  });

  describe('watch', () => {
    it('a prefix watcher receives puts and deletes in order, with the previous key-value', async () => {
      const watcher = await client().watch().prefix('watch/').withPreviousKV().create();
      const seen = new AsyncQueue<SeenEvent>((items) => JSON.stringify(items));
      const record = (type: SeenEvent['type']) => (kv: IKeyValue, prev?: IKeyValue) =>
        seen.push({ type, key: kv.key.toString(), value: kv.value.toString(), modRevision: kv.mod_revision, prev: prev?.value.toString() });
      watcher.on('put', record('put'));
      watcher.on('delete', record('delete'));
      try {
        const r1 = (await client().put('watch/a').value('1').exec()).header.revision;
        const r2 = (await client().put('watch/a').value('2').exec()).header.revision;
        await client().put('unwatched/x').value('no');
        const r3 = (await client().put('watch/b').value('3').exec()).header.revision;
        const r4 = (await client().delete().key('watch/a').exec()).header.revision;
        expect(await seen.take(4, 10_000, 'four events on watch/')).toEqual([
          { type: 'put', key: 'watch/a', value: '1', modRevision: r1, prev: undefined },
          { type: 'put', key: 'watch/a', value: '2', modRevision: r2, prev: '1' },
          { type: 'put', key: 'watch/b', value: '3', modRevision: r3, prev: undefined },
          { type: 'delete', key: 'watch/a', value: '', modRevision: r4, prev: '2' },
        ]);
      } finally {
        await watcher.cancel();
      }
    });

    it('a watcher with a start revision replays history first', async () => {
      const first = (await client().put('watchr/k').value('old').exec()).header.revision;
      await client().put('watchr/k').value('new');
      const watcher = client().watch().key('watchr/k').startRevision(first).watcher();
      const values = new AsyncQueue<string>();
      watcher.on('put', (kv) => values.push(kv.value.toString()));
      try {
        expect(await values.take(2, 10_000, 'two replayed puts')).toEqual(['old', 'new']);
        await client().put('watchr/k').value('live');
        expect(await values.shift(10_000, 'the live put')).toBe('live');
      } finally {
        await watcher.cancel();
      }
    });
  });

  describe('leases', () => {
    it('a lease kept alive outlives its TTL with its key, while an unrenewed lease expires', async () => {
      const kept = client().lease(2);
      const renewals = new AsyncQueue<string>();
      kept.on('keepaliveSucceeded', (res) => renewals.push(res.TTL));
      const control = client().lease(2, { autoKeepAlive: false });
      try {
        await kept.put('lease/kept').value('k');
        await control.put('lease/control').value('c');
        const grantedAt = Date.now();
        expect(await client().getAll().prefix('lease/').keys()).toEqual(['lease/control', 'lease/kept']);

        // the control key going away proves the TTL has run out on the server
        await waitFor(async () => ((await client().get('lease/control').string()) === null ? true : undefined), {
          timeoutMs: 15_000,
          intervalMs: 100,
          what: 'the unrenewed lease to expire',
        });
        expect(Date.now() - grantedAt).toBeGreaterThanOrEqual(1_000);
        expect(await client().get('lease/kept').string()).toBe('k');
        expect(kept.revoked()).toBe(false);
        expect(Number(await renewals.shift(10_000, 'a keep-alive response'))).toBeGreaterThanOrEqual(1);
        const once = await kept.keepaliveOnce();
        expect(once.TTL).toBe('2');
      } finally {
        await kept.revoke();
        control.release();
      }
      expect(await client().get('lease/kept').string()).toBeNull();
    });

    it('revoking a lease deletes every key attached to it', async () => {
      const lease = client().lease(30);
      await lease.put('leaser/1').value('a');
      await lease.put('leaser/2').value('b');
      await client().put('leaser/free').value('c');
      const id = await lease.grant();
      const rows = (await client().getAll().prefix('leaser/').exec()).kvs;
      expect(rows.map((kv) => [kv.key.toString(), kv.lease])).toEqual([
        ['leaser/1', id],
        ['leaser/2', id],
        ['leaser/free', '0'],
      ]);
      await lease.revoke();
      expect(await client().getAll().prefix('leaser/').keys()).toEqual(['leaser/free']);
    });
  });

  describe('recipes', () => {
    it('Election: campaign, observe the leader, resign hands leadership to the next candidate', async () => {
      const election = client().election('compat-election', 5);
      const observer = await election.observe();
      const changes = new AsyncQueue<string | undefined>((items) => JSON.stringify(items));
      observer.on('change', (leader) => changes.push(leader));
      try {
        const alice = election.campaign('alice');
        await withDeadline(alice.wait(), 10_000, 'alice to be elected');
        expect(await election.leader()).toBe('alice');
        expect(await changes.shift(10_000, 'the observer to see alice')).toBe('alice');

        const bob = election.campaign('bob');
        let bobElected = false;
        const bobWins = bob.wait().then(() => {
          bobElected = true;
        });
        const bobKey = await bob.getCampaignKey();
        await waitFor(async () => ((await client().get(bobKey).string()) === 'bob' ? true : undefined), { what: "bob's campaign key" });
        expect(await election.leader()).toBe('alice');
        expect(bobElected).toBe(false);

        await alice.resign();
        await withDeadline(bobWins, 10_000, 'bob to be elected after alice resigned');
        expect(await election.leader()).toBe('bob');
        expect(await changes.shift(10_000, 'the observer to see bob')).toBe('bob');

        await bob.resign();
        expect(await election.leader()).toBeUndefined();
      } finally {
        await observer.cancel();
      }
    });

    it('Lock: of two lockers only one holds the lock until it releases it', async () => {
      const first = client().lock('compat-lock').ttl(10);
      const second = client().lock('compat-lock').ttl(10);
      const [a, b] = await Promise.allSettled([first.acquire(), second.acquire()]);
      const outcomes = [a.status, b.status].sort();
      expect(outcomes).toEqual(['fulfilled', 'rejected']);
      const [winner, loser] = a.status === 'fulfilled' ? [first, second] : [second, first];
      const rejected = a.status === 'rejected' ? a : b;
      expect(rejected.status === 'rejected' ? rejected.reason : undefined).toBeInstanceOf(EtcdLockFailedError);

      await expect(client().lock('compat-lock').acquire()).rejects.toBeInstanceOf(EtcdLockFailedError);
      expect(await winner.leaseId()).not.toBeNull();
      await winner.release();
      await loser.acquire();
      await expect(client().lock('compat-lock').acquire()).rejects.toBeInstanceOf(EtcdLockFailedError);
      await loser.release();
      expect(await client().getAll().prefix('compat-lock').count()).toBe(0);
    });
  });
});
