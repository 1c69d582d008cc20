/**
 * bench/apiserver: the API server through the load balancer, with 1 and with 3 replicas (each run a fresh
 * `capstan up --members 3 --apiservers R --detach`): pod creates, gets, lists (consistent, from etcd, and at
 * resourceVersion 0, from the watch cache), and watch fan-out (W watchers through the LB, E pod creates,
 * every event's delay from the create being sent to the watcher reading it). It prints ops/s, p50/p99,
 * the API servers' CPU-seconds per 1,000 requests, and the p99 of mutating calls against Kubernetes' API
 * call latency SLO (1 s).
 *
 *   npm run bench:apiserver -- [--replicas 1,3] [--pods 2000] [--concurrency 32] [--lists 40] [--watchers 100] [--events 200]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ApiClient } from '../api-client.js';
import { cpuDelta, sampleCpu } from '../store/proc-cpu.js';
import { summarize, type LatencySummary } from '../store/stats.js';
import { capstanCli } from '../capstan-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Options {
  replicas: number[];
  pods: number;
  concurrency: number;
  lists: number;
  watchers: number;
  events: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      replicas: { type: 'string', default: '1,3' },
      pods: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '32' },
      lists: { type: 'string', default: '40' },
      watchers: { type: 'string', default: '100' },
      events: { type: 'string', default: '200' },
    },
  });
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  return {
    replicas: values.replicas.split(',').map((r) => int('replicas', r)),
    pods: int('pods', values.pods),
    concurrency: int('concurrency', values.concurrency),
    lists: int('lists', values.lists),
    watchers: int('watchers', values.watchers),
    events: int('events', values.events),
  };
}

interface ClusterInfo {
  dir: string;
  server: string;
  token: string;
  ca: string;
  apiserverPids: number[];
}

function capstan(args: string[]): string {
  return execFileSync(process.execPath, [...capstanCli(), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
}

function up(replicas: number): ClusterInfo {
  const dir = mkdtempSync(join(tmpdir(), `capstan-bench-apiserver-${replicas}-`));
  capstan(['up', '--dir', dir, '--members', '3', '--apiservers', String(replicas), '--schedulers', '0', '--controller-managers', '0', '--nodes', '0', '--detach']);
  const file = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { kubeconfig: string; apiserver: { url: string; caCert: string; replicas: { pid: number }[] } };
  const kubeconfig = parseYaml(readFileSync(file.kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
  return { dir, server: file.apiserver.url, token: kubeconfig.users[0]!.user.token, ca: readFileSync(file.apiserver.caCert, 'utf8'), apiserverPids: file.apiserver.replicas.map((r) => r.pid) };
}

function down(c: ClusterInfo): void {
  try {
    capstan(['down', '--dir', c.dir]);
  } finally {
    rmSync(c.dir, { recursive: true, force: true });
  }
}


interface Result {
  ops: number;
  seconds: number;
  latency: LatencySummary;
  errors: number;
  cpuPer1k: number;
}

/** run issues n requests with the given concurrency, timing each, and the API servers' CPU over the run. */
async function run(c: ClusterInfo, n: number, concurrency: number, one: (i: number) => Promise<boolean>): Promise<Result> {
  const samples: number[] = [];
  let next = 0;
  let errors = 0;
  const cpu0 = sampleCpu(c.apiserverPids);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const s = performance.now();
        const ok = await one(i).catch(() => false);
        samples.push(performance.now() - s);
        if (!ok) errors++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuDelta(cpu0, sampleCpu(c.apiserverPids)).seconds;
  return { ops: n / seconds, seconds, latency: summarize([samples]), errors, cpuPer1k: (cpu / n) * 1000 };
}

function pod(name: string): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
}

async function watchFanOut(client: ApiClient, watchers: number, events: number): Promise<{ delivered: number; expected: number; latency: LatencySummary }> {
  await client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-watch' } });
  const list = JSON.parse((await client.request('GET', '/api/v1/namespaces/bench-watch/pods')).text) as { metadata: { resourceVersion: string } };
  const sentAt = new Map<string, number>();
  const delays: number[] = [];
  let delivered = 0;
  const closers: (() => void)[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  for (let w = 0; w < watchers; w++) {
    closers.push(
      await client.watch(`/api/v1/namespaces/bench-watch/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`, (line) => {
        const ev = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
        if (ev.type !== 'ADDED') return;
        const t = sentAt.get(ev.object.metadata.name);
        if (t !== undefined) delays.push(performance.now() - t);
        if (++delivered === watchers * events) done();
      }),
    );
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= events) return;
        const name = `w-${i}`;
        sentAt.set(name, performance.now());
        await client.request('POST', '/api/v1/namespaces/bench-watch/pods', pod(name));
      }
    }),
  );
  await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
  for (const close of closers) close();
  return { delivered, expected: watchers * events, latency: summarize([delays]) };
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function benchReplicas(opts: Options, replicas: number): Promise<string[]> {
  const c = up(replicas);
  const client = new ApiClient(new URL(c.server), { maxSockets: opts.concurrency, token: c.token, ca: c.ca });
  const rows: string[] = [];
  const row = (workload: string, r: Result): void => {
    rows.push(`| ${replicas} | ${workload} | ${fmt(r.ops)} | ${fmt(r.latency.p50Ms, 1)} | ${fmt(r.latency.p99Ms, 1)} | ${fmt(r.cpuPer1k, 2)} | ${r.errors} |`);
  };
  try {
    await client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const create = await run(c, opts.pods, opts.concurrency, async (i) => (await client.request('POST', '/api/v1/namespaces/bench/pods', pod(`p-${i}`))).status === 201);
    row('create pod', create);
    const get = await run(c, opts.pods, opts.concurrency, async (i) => (await client.request('GET', `/api/v1/namespaces/bench/pods/p-${(i * 7919) % opts.pods}`)).status === 200);
    row('get pod', get);
    const listConsistent = await run(c, opts.lists, 4, async () => (await client.request('GET', '/api/v1/namespaces/bench/pods')).status === 200);
    row(`list ${opts.pods} pods (consistent, etcd)`, listConsistent);
    const listCached = await run(c, opts.lists, 4, async () => (await client.request('GET', '/api/v1/namespaces/bench/pods?resourceVersion=0')).status === 200);
    row(`list ${opts.pods} pods (rv=0, watch cache)`, listCached);
    const fan = await watchFanOut(client, opts.watchers, opts.events);
    rows.push(
      `| ${replicas} | watch fan-out: ${opts.watchers} watchers × ${opts.events} creates | ${fmt(fan.delivered)} of ${fmt(fan.expected)} events | ${fmt(fan.latency.p50Ms, 1)} | ${fmt(fan.latency.p99Ms, 1)} | – | ${fan.expected - fan.delivered} |`,
    );
    const slo = create.latency.p99Ms !== undefined && create.latency.p99Ms < 1000 ? 'within' : 'OUTSIDE';
    rows.push(`| ${replicas} | SLO: mutating p99 ${fmt(create.latency.p99Ms, 1)} ms vs 1,000 ms | ${slo} | | | | |`);
  } finally {
    client.close();
    down(c);
  }
  return rows;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const header = ['| replicas | workload | ops/s | p50 ms | p99 ms | apiserver CPU-s / 1k | errors |', '|--:|---|--:|--:|--:|--:|--:|'];
  const rows: string[] = [];
  for (const r of opts.replicas) {
    process.stderr.write(`== ${r} replica(s): capstan up --members 3 --apiservers ${r}\n`);
    const got = await benchReplicas(opts, r);
    for (const line of got) process.stderr.write(`${line}\n`);
    rows.push(...got);
  }
  process.stdout.write(`\n${[...header, ...rows].join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:apiserver failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
