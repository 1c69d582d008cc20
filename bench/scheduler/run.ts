/**
 * bench/scheduler: kube-scheduler's scheduler_perf "SchedulingBasic" shape on capstan — N Nodes and P pods
 * (default 1,000 and 10,000, the issue's figures). It starts its own single-member store, one API server
 * (insecure loopback port) and one `capstan scheduler`, creates the Nodes through the API (status.allocatable
 * 4 cpu / 32 Gi / 110 pods, Ready), waits until the scheduler binds a probe pod, then creates the pods
 * (100m / 128 Mi each) from `--concurrency` parallel clients while a watch records when each pod's
 * spec.nodeName appears. It prints pods/s from the first create to the last bind, p50/p99/max of
 * create→bound per pod, the create rate alone, the CPU-seconds each process used, and then the scheduler's
 * own rate without the API (algorithm.ts: queue, snapshot, decision and assume in-process).
 *
 * --hollow-nodes runs the hollow node agents (`capstan node --count N`) instead of creating Node objects; the
 * bench then also reports create→Running (pod startup latency: binding, then the agent's simulated start).
 *
 * --apiservers N runs N API server replicas (capstan's HA shape; one by default, as scheduler_perf): the scheduler
 * uses the first, the node agents the last, the pod creators all in turn.
 *
 *   npm run bench:scheduler -- [--nodes 1000] [--pods 10000] [--concurrency 64] [--apiservers 1] [--hollow-nodes] [--cpu-prof DIR] [--scheduler-flags "..."]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePorts } from '../../src/cli/launcher/processes.js';
import { withRuntimeFlags } from '../../src/util/node-flags.js';
import { ApiClient } from '../api-client.js';
import { capstanCli } from '../capstan-cli.js';
import { cpuDelta, sampleCpu } from '../store/proc-cpu.js';
import { ProcessRegistry, isAlive } from '../store/processes.js';
import { summarize, type LatencySummary } from '../store/stats.js';
import { runAlgorithm } from './algorithm.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Options {
  nodes: number;
  pods: number;
  concurrency: number;
  apiservers: number;
  hollowNodes: boolean;
  cpuProf: string | undefined;
  schedulerFlags: string[];
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string', default: '1000' },
      pods: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '64' },
      apiservers: { type: 'string', default: '1' },
      'hollow-nodes': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'scheduler-flags': { type: 'string', default: '' },
      keep: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  return {
    nodes: int('nodes', values.nodes),
    pods: int('pods', values.pods),
    concurrency: int('concurrency', values.concurrency),
    apiservers: int('apiservers', values.apiservers),
    hollowNodes: values['hollow-nodes'],
    cpuProf: values['cpu-prof'],
    schedulerFlags: values['scheduler-flags'].split(' ').filter((s) => s !== ''),
    keep: values.keep,
  };
}

const registry = new ProcessRegistry();
process.once('exit', () => registry.killAll());
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

function startProcess(label: string, args: string[], log: string, nodeFlags: string[] = []): number {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(process.execPath, [...nodeFlags, ...capstanCli(), ...args], { cwd: root, stdio: ['ignore', fd, fd], detached: false });
    if (child.pid === undefined) throw new Error(`${label} did not start`);
    registry.add(child.pid, label);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


interface PodLite {
  metadata: { name: string; resourceVersion?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

function nodeObject(name: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${name.length % 3}` } },
    status: {
      capacity: { cpu: '4', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
    },
  };
}

function podObject(name: string): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } };
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function fmt(s: LatencySummary): string {
  const f = (v: number | undefined): string => (v === undefined ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
  return `p50 ${f(s.p50Ms)}  p99 ${f(s.p99Ms)}  max ${f(s.maxMs)}  (n=${s.count})`;
}

/**
 * requestCounts sums apiserver_request_total over the API servers by verb, resource/subresource and code,
 * for the writes (what each pod cost in requests, and how many conflicted), e.g. `POST pods/binding 201: 10001`.
 */
async function requestCounts(urls: readonly string[]): Promise<string> {
  const sums = new Map<string, number>();
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text().catch(() => '');
    for (const line of text.split('\n')) {
      const m = /^apiserver_request_total\{(.*)\} (\d+)/.exec(line);
      if (m === null) continue;
      const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
      const verb = labels.verb ?? '';
      if (!['CREATE', 'UPDATE', 'PATCH', 'DELETE', 'POST', 'PUT'].includes(verb.toUpperCase())) continue;
      const what = `${verb} ${labels.resource ?? ''}${labels.subresource ? `/${labels.subresource}` : ''} ${labels.code ?? ''}`;
      sums.set(what, (sums.get(what) ?? 0) + Number(m[2]));
    }
  }
  return [...sums.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k}: ${v}`).join(', ');
}

/** StoreCounters are the store's counters the benchmark reports: calls by method, and watch events replayed from disk. */
interface StoreCounters {
  readonly calls: Map<string, number>;
  readonly replayed: number;
}

/** storeCounters reads grpc_server_handled_total summed by method and capstan_store_watch_events_replayed_total. */
async function storeCounters(clientURL: string): Promise<StoreCounters> {
  const text = await (await fetch(`${clientURL}/metrics`)).text().catch(() => '');
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/^grpc_server_handled_total\{[^}]*grpc_method="(\w+)"[^}]*\} (\d+)/gm)) calls.set(m[1]!, (calls.get(m[1]!) ?? 0) + Number(m[2]));
  const replayed = Number(/^capstan_store_watch_events_replayed_total (\d+)/m.exec(text)?.[1] ?? 0);
  return { calls, replayed };
}

/** callsBetween renders the store calls made between two readings, most frequent first (`Txn 44120, Range 9321`). */
function callsBetween(before: Map<string, number>, after: Map<string, number>): string {
  const delta = [...after.entries()].map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)]).filter(([, v]) => v > 0);
  return delta.sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-scheduler-'));
  const [clientPort, peerPort, schedPort, ...apiPorts] = await freePorts(3 + o.apiservers);
  const clientURL = `http://127.0.0.1:${clientPort!}`;
  const peerURL = `http://127.0.0.1:${peerPort!}`;
  const apiURLs = apiPorts.map((p) => `http://127.0.0.1:${p}`);
  // The scheduler talks to the first API server, the node agents to the last, the pod creators to all in turn.
  const apiURL = apiURLs[0]!;
  const nodesURL = apiURLs[apiURLs.length - 1]!;
  const hollow = o.hollowNodes && existsSync(join(root, 'src', 'cli', 'node.ts'));
  if (o.hollowNodes && !hollow) console.log('--hollow-nodes: capstan node does not exist yet; creating Node objects instead');
  console.log(`bench/scheduler: ${o.nodes} nodes, ${o.pods} pods, ${o.concurrency} creating clients; run dir ${dir}`);

  // The processes run with capstan's runtime flags, as `capstan up` starts them.
  const profFlags = withRuntimeFlags(o.cpuProf === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`]);
  const storePid = startProcess('store', ['store', '--name=bench', `--data-dir=${join(dir, 'store')}`, `--listen-client-urls=${clientURL}`, `--advertise-client-urls=${clientURL}`, `--listen-peer-urls=${peerURL}`, `--initial-advertise-peer-urls=${peerURL}`, `--initial-cluster=bench=${peerURL}`, '--initial-cluster-state=new'], join(dir, 'store.log'), profFlags);
  const apiPids = apiPorts.map((port, i) => startProcess(`apiserver-${i}`, ['apiserver', `--etcd-servers=${clientURL}`, '--secure-port=0', `--insecure-port=${port}`, '--log-level=warn'], join(dir, `apiserver-${i}.log`), profFlags));
  for (const url of apiURLs) await until(`the API server ${url}`, 60_000, async () => (await fetch(`${url}/readyz`)).status === 200);
  const apis = apiURLs.map((url) => new ApiClient(new URL(url), { maxSockets: o.concurrency + 8 }));
  const api = apis[0]!;

  let t = Date.now();
  const extraPids: number[] = [];
  if (hollow) {
    extraPids.push(startProcess('node agents', ['node', `--master=${nodesURL}`, `--count=${o.nodes}`, '--port=0', '--log-level=warn'], join(dir, 'nodes.log'), profFlags));
    await until(`${o.nodes} nodes to register`, 600_000, async () => (JSON.parse((await api.request('GET', '/api/v1/nodes')).text) as { items: unknown[] }).items.length >= o.nodes);
  } else {
    const names = Array.from({ length: o.nodes }, (_, i) => `node-${String(i).padStart(5, '0')}`);
    await pool(names, 32, async (n) => {
      const r = await api.request('POST', '/api/v1/nodes', nodeObject(n));
      if (r.status !== 201) throw new Error(`create node ${n}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    });
  }
  console.log(`nodes ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const schedPid = startProcess('scheduler', ['scheduler', `--master=${apiURL}`, `--port=${schedPort!}`, '--log-level=warn', ...o.schedulerFlags], join(dir, 'scheduler.log'), profFlags);
  await until('the scheduler to lead', 60_000, async () => ((await (await fetch(`http://127.0.0.1:${schedPort!}/leaderz`)).json()) as { leading: boolean }).leading);

  // Watch pods from now on: bound (spec.nodeName) and Running times per pod.
  const list = JSON.parse((await api.request('GET', '/api/v1/namespaces/default/pods?limit=1')).text) as { metadata: { resourceVersion: string } };
  const created = new Map<string, number>();
  const bound = new Map<string, number>();
  const running = new Map<string, number>();
  let allBound: (() => void) | undefined;
  const closeWatch = await api.watch(`/api/v1/namespaces/default/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`, (line) => {
    const ev = JSON.parse(line) as { type: string; object: PodLite };
    const name = ev.object.metadata.name;
    const now = performance.now();
    if ((ev.object.spec?.nodeName ?? '') !== '' && !bound.has(name)) {
      bound.set(name, now);
      if (bound.size === o.pods + 1) allBound?.();
    }
    if (ev.object.status?.phase === 'Running' && !running.has(name)) running.set(name, now);
  });

  // A probe pod proves the scheduler has synced its caches.
  const probeAt = performance.now();
  created.set('probe', probeAt);
  await api.request('POST', '/api/v1/namespaces/default/pods', podObject('probe'));
  await until('the probe pod to be bound', 60_000, async () => bound.has('probe'));
  console.log(`scheduler synced; probe bound in ${(bound.get('probe')! - probeAt).toFixed(0)} ms`);

  const pids = [storePid, ...apiPids, schedPid, ...extraPids, process.pid];
  const cpuBefore = sampleCpu(pids);
  const storeBefore = await storeCounters(clientURL);
  const names = Array.from({ length: o.pods }, (_, i) => `pod-${String(i).padStart(6, '0')}`);
  const done = new Promise<void>((resolve) => (allBound = resolve));
  t = performance.now();
  let createdAllAt = 0;
  let retries = 0;
  let nextApi = 0;
  await pool(names, o.concurrency, async (n) => {
    created.set(n, performance.now());
    const via = apis[nextApi++ % apis.length]!;
    // A 5xx (the store timing out on a loaded machine) is retried; AlreadyExists then means the first try landed.
    for (let attempt = 1; ; attempt++) {
      const r = await via.request('POST', '/api/v1/namespaces/default/pods', podObject(n));
      if (r.status === 201 || (r.status === 409 && attempt > 1)) break;
      if ((r.status >= 500 || r.status === 429) && attempt < 5) {
        retries++;
        continue;
      }
      throw new Error(`create pod ${n}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }
  });
  createdAllAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 600_000)));
  if ((await Promise.race([done, timeout])) === 'timeout') console.log(`timed out: ${bound.size - 1}/${o.pods} pods bound after 10 min`);
  clearTimeout(timer);
  const lastBound = Math.max(...names.map((n) => bound.get(n) ?? 0));
  const cpuAfter = sampleCpu(pids);
  const storeAfter = await storeCounters(clientURL);
  const cpu = cpuDelta(cpuBefore, cpuAfter);
  const elapsedS = (lastBound - t) / 1000;
  const latencies = names.filter((n) => bound.has(n)).map((n) => bound.get(n)! - created.get(n)!);

  let startup: LatencySummary | undefined;
  if (hollow) {
    await until('pods to run', 300_000, async () => names.every((n) => running.has(n))).catch(() => undefined);
    startup = summarize([names.filter((n) => running.has(n)).map((n) => running.get(n)! - created.get(n)!)]);
  }
  closeWatch();

  const requests = await requestCounts(apiURLs);

  const perProc = (pid: number): string => {
    const b = cpuBefore.byPid.get(pid);
    const a = cpuAfter.byPid.get(pid);
    return a === undefined || b === undefined ? '-' : `${(a - b).toFixed(1)} s`;
  };
  console.log('');
  console.log(`pods created:               ${o.pods} in ${((createdAllAt - t) / 1000).toFixed(1)} s (${(o.pods / ((createdAllAt - t) / 1000)).toFixed(0)} creates/s${retries > 0 ? `, ${retries} retried after a 5xx` : ''})`);
  console.log(`scheduling throughput:      ${(bound.size - 1) / elapsedS > 0 ? ((bound.size - 1) / elapsedS).toFixed(0) : '0'} pods/s (first create → last bound: ${elapsedS.toFixed(1)} s)`);
  console.log(`create → bound latency:     ${fmt(summarize([latencies]))}`);
  console.log(`create → Running latency:   ${startup === undefined ? 'n/a (no hollow node agents: Node objects created through the API)' : fmt(startup)}`);
  console.log(`CPU seconds:                store ${perProc(storePid)}, apiserver ${apiPids.map(perProc).join(' + ')}, scheduler ${perProc(schedPid)}${extraPids.length > 0 ? `, node agents ${perProc(extraPids[0]!)}` : ''}, this load generator ${perProc(process.pid)} (total ${cpu.seconds.toFixed(1)} s over ${elapsedS.toFixed(1)} s wall)`);
  console.log(`API requests:               ${requests}`);
  console.log(`store calls:                ${callsBetween(storeBefore.calls, storeAfter.calls)}; watch events replayed from disk: ${storeAfter.replayed - storeBefore.replayed}`);
  console.log(`anchor:                     kube-scheduler's scheduler_perf expects ~680 pods/s (5,000 nodes, 10,000 pods); target here ≥ 500 pods/s`);

  for (const a of apis) a.close();
  process.kill(schedPid, 'SIGTERM');
  await until('the scheduler to exit', 15_000, async () => !isAlive(schedPid)).catch(() => undefined);
  await registry.stopAll(10_000);
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
  const alone = await runAlgorithm(o.nodes, o.pods);
  console.log(`scheduler alone, in-process: ${alone.podsPerSecond.toFixed(0)} pods/s (queue + snapshot + decision + assume, no API; ${alone.meanFeasible.toFixed(0)} nodes scored per pod)`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    registry.killAll();
    process.exit(1);
  },
);
