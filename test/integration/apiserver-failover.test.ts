/**
 * Killing an API server replica while clients work through the load balancer — `capstan lb`, and Debian's
 * haproxy with the rendered deploy config — loses nothing: writers (which resend a request that failed
 * without an answer, treating AlreadyExists on a resend as their own success, as client-go's retries do)
 * get every create acknowledged; a reflector that re-watches from its last resourceVersion through the LB
 * sees every object exactly once, in revision order; and every acknowledged object is in the store.
 * All processes are real (one store member, two replicas, the balancer) on loopback ports picked at run time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, KubeList, KubeObject, WatchEvent } from '../../src/api/index.js';
import { useStore } from '../compat/helpers/store.js';
import { waitFor } from '../compat/helpers/wait.js';
import { startApiServer, type ApiServerProcess } from '../apiserver/helpers/apiserver.js';
import { describeWithHaproxy, startCapstanLb, startHaproxy, writeHaproxyConfig, type BalancerUnderTest } from '../lb/harness.js';
import { makeTestDir, type TestDir } from '../lb/processes.js';

const WRITES = 120;
const WRITERS = 4;
const KILL_AFTER = 40;

const store = useStore({ name: 'apiserver-failover' });

/** Reflector lists, then watches from the list's resourceVersion, re-watching from the last one it saw. */
class Reflector {
  readonly events: WatchEvent<KubeObject>[] = [];
  readonly rewatches: number[] = [];
  private rv = '';
  private stopped = false;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly base: string) {}

  async start(): Promise<void> {
    const list = (await (await fetch(`${this.base}/api/v1/namespaces/failover/configmaps`)).json()) as KubeList<ConfigMap>;
    this.rv = list.metadata.resourceVersion!;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.abort = new AbortController();
      try {
        const res = await fetch(`${this.base}/api/v1/namespaces/failover/configmaps?watch=1&resourceVersion=${this.rv}&allowWatchBookmarks=true`, { signal: this.abort.signal });
        if (res.status !== 200 || res.body === null) throw new Error(`watch answered ${res.status}`);
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body) {
          buf += decoder.decode(chunk as Uint8Array, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const ev = JSON.parse(buf.slice(0, nl)) as WatchEvent<KubeObject>;
            buf = buf.slice(nl + 1);
            if (ev.type === 'ERROR') throw new Error(`watch ERROR: ${JSON.stringify(ev.object)}`);
            this.rv = (ev.object as KubeObject).metadata.resourceVersion!;
            if (ev.type !== 'BOOKMARK') this.events.push(ev);
          }
        }
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof Error && err.message.startsWith('watch ERROR')) throw err;
      }
      this.rewatches.push(Number(this.rv));
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.running;
  }
}

/** createWithRetry creates a ConfigMap through the LB until it is acknowledged; a resend that finds it is a success. */
async function createWithRetry(base: string, name: string, failures: { count: number }): Promise<string> {
  const deadline = Date.now() + 30_000;
  let resent = false;
  for (;;) {
    try {
      const res = await fetch(`${base}/api/v1/namespaces/failover/configmaps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: name } }),
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await res.json()) as KubeObject & { reason?: string };
      if (res.status === 201) return body.metadata.resourceVersion!;
      if (res.status === 409 && resent && body.reason === 'AlreadyExists') return 'resent';
      if (res.status < 500) throw new Error(`create ${name}: HTTP ${res.status} ${JSON.stringify(body)}`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('create ')) throw err;
    }
    failures.count++;
    resent = true;
    if (Date.now() > deadline) throw new Error(`create ${name}: not acknowledged within 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** watchingReplica finds the replica holding the configmaps watch (its apiserver_longrunning_requests gauge). */
async function watchingReplica(replicas: readonly ApiServerProcess[]): Promise<ApiServerProcess> {
  for (const r of replicas) {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    if (/^apiserver_longrunning_requests\{verb="WATCH",group="",version="v1",resource="configmaps"\} 1$/m.test(text)) return r;
  }
  throw new Error('no replica holds the reflector\'s watch');
}

function failoverSuite(startBalancer: (dir: TestDir, replicas: readonly { name: string; port: number }[]) => Promise<BalancerUnderTest>): void {
  let dir: TestDir;
  let replicas: ApiServerProcess[] = [];
  let lb: BalancerUnderTest | undefined;

  beforeAll(async () => {
    dir = makeTestDir('apiserver-failover');
    replicas = [await startApiServer([store().endpoint]), await startApiServer([store().endpoint])];
    lb = await startBalancer(
      dir,
      replicas.map((r, i) => ({ name: `apiserver-${i + 1}`, port: Number(new URL(r.url).port) })),
    );
    const res = await fetch(`http://127.0.0.1:${lb.port}/api/v1/namespaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'failover' } }),
    });
    expect([201, 409]).toContain(res.status);
  }, 90_000);

  afterAll(async () => {
    await lb?.process.stop();
    for (const r of replicas) await r.stop();
    dir?.dispose();
  });

  it('kill -9 of a replica under load: every create is acknowledged, seen once in order by a re-watching reflector, and stored', async () => {
    const base = `http://127.0.0.1:${lb!.port}`;
    // A fresh namespace content per balancer: clear what an earlier run left.
    await fetch(`${base}/api/v1/namespaces/failover/configmaps`, { method: 'DELETE' });
    const reflector = new Reflector(base);
    await reflector.start();
    const failures = { count: 0 };
    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (;;) {
          const i = next++;
          if (i >= WRITES) return;
          const name = `cm-${String(i).padStart(4, '0')}`;
          await createWithRetry(base, name, failures);
          acked.add(name);
          if (acked.size === KILL_AFTER && !killed) {
            killed = true;
            // Kill the replica that serves the reflector's watch, so that the watch itself must fail over.
            await (await watchingReplica(replicas)).kill9();
          }
        }
      }),
    );
    expect(killed).toBe(true);
    expect(acked.size).toBe(WRITES);

    const stored = (await (await fetch(`${base}/api/v1/namespaces/failover/configmaps`)).json()) as KubeList<ConfigMap>;
    expect(stored.items.map((c) => c.metadata.name).sort()).toEqual([...acked].sort());

    await waitFor(() => (reflector.events.filter((e) => e.type === 'ADDED').length >= WRITES ? true : undefined), {
      timeoutMs: 30_000,
      what: `the reflector to see all ${WRITES} creates`,
    });
    await reflector.stop();
    const added = reflector.events.filter((e) => e.type === 'ADDED').map((e) => (e.object as KubeObject).metadata.name!);
    expect(added.sort()).toEqual([...acked].sort());
    const revisions = reflector.events.map((e) => Number((e.object as KubeObject).metadata.resourceVersion));
    for (let i = 1; i < revisions.length; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1]!);
    // The killed replica's watch broke and was resumed through the balancer from the last resourceVersion.
    expect(reflector.rewatches.length).toBeGreaterThanOrEqual(1);
  });
}

describe('through capstan lb', () => {
  failoverSuite((dir, replicas) => startCapstanLb(dir, replicas));
});

describeWithHaproxy('through haproxy (deploy config)', () => {
  failoverSuite(async (dir, replicas) => startHaproxy(dir, await writeHaproxyConfig(dir, replicas)));
});
