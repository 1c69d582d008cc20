/**
 * EtcdClient's unary calls (the lean HTTP/2 transport, h2-unary.ts) against one real store process
 * (capstan, or etcd with CAPSTAN_COMPAT_TARGET=etcd), with the member frozen (SIGSTOP), killed and restarted
 * by PID: Status and MemberList; a Range answer above grpc's default 4 MiB limit; the request deadline
 * against a frozen member; close() cancelling a call in flight; a member killed with a write in flight —
 * the write is reported as maybe applied, not resent — and the lazy reconnection after the restart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { ClientClosedError, DeadlineExceededError, EndpointUnavailableError, EtcdClient } from '../../../src/store/client/index.js';
import { useStore, type Store } from '../../compat/helpers/store.js';
import { describeCompat } from '../../compat/helpers/tools.js';
import { waitFor } from '../../compat/helpers/wait.js';

/**
 * receiveQueueBytes sums, over the TCP sockets listening-side on port (the member's ends of its client
 * connections), the bytes the kernel received that the process has not read yet (/proc/net/tcp rx_queue):
 * with the member frozen, bytes there have certainly left the client.
 */
function receiveQueueBytes(port: number): number {
  let total = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const queues = fields[4];
      if (local === undefined || queues === undefined) continue;
      if (Number.parseInt(local.split(':').at(-1) ?? '', 16) !== port) continue;
      total += Number.parseInt(queues.split(':')[1] ?? '0', 16);
    }
  }
  return total;
}

/** allThreadsStopped reports whether every thread of pid is in the stopped state ('T' in /proc/PID/task/TID/stat). */
function allThreadsStopped(pid: number): boolean {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.length > 0 && tasks.every((tid) => /^\d+ \(.*\) T /.test(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
}

/**
 * frozen runs fn with the member stopped by SIGSTOP — once every one of its threads has stopped (a signal
 * reaches a running thread a moment later, and etcd has many) — and always resumes it.
 */
async function frozen<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const pid = store.pid;
  process.kill(pid, 'SIGSTOP');
  try {
    await waitFor(() => (allThreadsStopped(pid) ? true : undefined), { what: `every thread of pid ${pid} to stop`, timeoutMs: 5_000, intervalMs: 5 });
    return await fn();
  } finally {
    if (store.running) process.kill(store.pid, 'SIGCONT');
  }
}

describeCompat("EtcdClient's unary transport against one member", ['store'], () => {
  const store = useStore({ name: 'unary' });
  const clients: EtcdClient[] = [];

  function newClient(requestTimeoutMs = 5_000): EtcdClient {
    const c = new EtcdClient({ endpoints: [store().endpoint], dialTimeoutMs: 2_000, requestTimeoutMs });
    clients.push(c);
    return c;
  }

  afterAll(() => {
    for (const c of clients) c.close();
  });

  it('Status and MemberList answer over the unary transport', async () => {
    const c = newClient();
    const st = await c.status();
    expect(st.endpoint).toBe(store().endpoint);
    expect(st.memberId).not.toBe(0n);
    expect(st.leader).toBe(st.memberId);
    const pinned = await c.status(store().endpoint);
    expect(pinned.memberId).toBe(st.memberId);
    const members = await c.memberList();
    expect(members.map((m) => [m.id, m.name])).toEqual([[st.memberId, 'unary']]);
  });

  it('a Range answer larger than 4 MiB is received whole', async () => {
    const c = newClient(20_000);
    const value = Buffer.alloc(100 * 1024, 'x');
    const keys = 48;
    for (let i = 0; i < keys; i++) await c.put(`large/${String(i).padStart(2, '0')}`, value);
    const got = await c.get('large/', { prefix: true });
    expect(got.kvs).toHaveLength(keys);
    const bytes = got.kvs.reduce((n, kv) => n + kv.key.length + kv.value.length, 0);
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(got.kvs.every((kv) => kv.value.equals(value))).toBe(true);
  });

  it('a request to a frozen member fails with DeadlineExceededError at the request timeout', async () => {
    const c = newClient(500);
    await c.get('deadline/k');
    const err = await frozen(store(), async () => {
      const started = Date.now();
      const e = await c.get('deadline/k').then(
        () => undefined,
        (x: unknown) => x,
      );
      return { e, elapsed: Date.now() - started };
    });
    expect(err.e).toBeInstanceOf(DeadlineExceededError);
    expect(err.elapsed).toBeGreaterThanOrEqual(450);
    expect(err.elapsed).toBeLessThan(3_000);
    // the member runs again: the same client goes on
    await c.get('deadline/k');
  });

  it('close() cancels a call in flight with ClientClosedError', async () => {
    const c = newClient(10_000);
    await c.get('close/k');
    const outcome = await frozen(store(), async () => {
      const pending = c.get('close/k').then(
        () => 'answered',
        (e: unknown) => e,
      );
      await waitFor(() => (receiveQueueBytes(Number(new URL(store().endpoint).port)) > 0 ? true : undefined), {
        what: 'the request to reach the frozen member',
        timeoutMs: 5_000,
      });
      const started = Date.now();
      c.close();
      const o = await pending;
      return { o, elapsed: Date.now() - started };
    });
    expect(outcome.o).toBeInstanceOf(ClientClosedError);
    expect(outcome.elapsed).toBeLessThan(1_000);
  });

  it('a member killed with a write in flight: the write is reported maybe applied (not resent); after the restart the client reconnects', async () => {
    const c = newClient(10_000);
    await c.get('kill/k');
    const port = Number(new URL(store().endpoint).port);
    const err = await frozen(store(), async () => {
      const pending = c.put('kill/k', 'v').then(
        () => undefined,
        (e: unknown) => e,
      );
      await waitFor(() => (receiveQueueBytes(port) > 0 ? true : undefined), { what: 'the put to reach the frozen member', timeoutMs: 5_000 });
      await store().kill9();
      return pending;
    });
    expect(err).toBeInstanceOf(EndpointUnavailableError);
    expect((err as EndpointUnavailableError).maybeApplied).toBe(true);

    await store().restart();
    const put = await c.put('kill/after', 'restarted');
    expect((await c.get('kill/after')).kvs[0]?.modRevision).toBe(put.revision);
  });
});
