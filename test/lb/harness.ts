/**
 * The load-balancer integration harness: two stand-in API server replicas (backend-server.ts) behind a
 * balancer under test, `capstan lb` or haproxy, all real processes on loopback ports picked at run time.
 * failoverSuite declares the behaviour both balancers must show, so the haproxy template is held to the
 * same tests as `capstan lb`.
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HAPROXY_BACKEND, renderHaproxyConfig } from '../../src/lb/haproxy-config.js';
import { freePorts } from '../../src/cli/launcher/processes.js';
import { compatRequired, findOnPath } from '../compat/helpers/tools.js';
import { waitFor } from '../compat/helpers/wait.js';
import { httpGet, openStream } from './http.js';
import { ManagedProcess, makeTestDir, nodeTsx, type TestDir } from './processes.js';

/** Backend is one stand-in API server replica. */
export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly process: ManagedProcess;
  /** setReady makes its /readyz answer 200 (true) or 503 (false). */
  setReady(ready: boolean): Promise<void>;
}

/** BackendAddress is what a balancer needs of a replica: a name and its loopback port. */
export type BackendAddress = Pick<Backend, 'name' | 'port'>;

/** BalancerUnderTest is a running balancer and how to read its view of the backends. */
export interface BalancerUnderTest {
  readonly kind: 'capstan lb' | 'haproxy';
  readonly port: number;
  readonly adminPort: number;
  readonly process: ManagedProcess;
  /** status says whether the balancer currently sends new connections to the backend (`up`) or not. */
  status(backend: BackendAddress): Promise<'up' | 'down'>;
}

/** startBackend starts one replica on a free port. */
export async function startBackend(dir: TestDir, name: string): Promise<Backend> {
  const [port = 0] = await freePorts(1);
  const { command, args } = nodeTsx('test/lb/backend-server.ts');
  const proc = new ManagedProcess(
    {
      name: `backend ${name}`,
      command,
      args: [...args, name, String(port)],
      ready: async () => (await httpGet(port, '/whoami', 1_000).catch(() => undefined))?.body === name,
    },
    join(dir.path, `backend-${name}.log`),
  );
  await proc.start();
  return {
    name,
    port,
    process: proc,
    async setReady(ready) {
      const r = await httpGet(port, ready ? '/control/ready' : '/control/unready', 2_000, 'POST');
      expect(r.status).toBe(200);
    },
  };
}

/** startCapstanLb runs `capstan lb` in front of backends with HTTP health checks and an admin endpoint. */
export async function startCapstanLb(dir: TestDir, backends: readonly BackendAddress[], extraFlags: readonly string[] = []): Promise<BalancerUnderTest> {
  const [port = 0, adminPort = 0] = await freePorts(2);
  const { command, args } = nodeTsx('src/cli.ts');
  const proc = new ManagedProcess(
    {
      name: 'capstan lb',
      command,
      args: [
        ...args,
        'lb',
        `--listen=127.0.0.1:${String(port)}`,
        `--backends=${backends.map((b) => `127.0.0.1:${String(b.port)}`).join(',')}`,
        '--health-scheme=http',
        `--admin-listen=127.0.0.1:${String(adminPort)}`,
        ...extraFlags,
      ],
      ready: async () => (await httpGet(adminPort, '/readyz', 1_000).catch(() => undefined))?.status === 200,
    },
    join(dir.path, 'capstan-lb.log'),
  );
  await proc.start();
  return {
    kind: 'capstan lb',
    port,
    adminPort,
    process: proc,
    async status(backend) {
      const doc = JSON.parse((await httpGet(adminPort, '/backends', 2_000)).body) as { backends: { backend: string; status: string }[] };
      return doc.backends.find((b) => b.backend === `127.0.0.1:${String(backend.port)}`)?.status === 'up' ? 'up' : 'down';
    },
  };
}

/** haproxyPath finds haproxy on PATH, or in /usr/sbin where Debian installs it (not on a user's PATH). */
export function haproxyPath(): string | undefined {
  const onPath = findOnPath('haproxy');
  if (onPath !== undefined) return onPath;
  try {
    accessSync('/usr/sbin/haproxy', constants.X_OK);
    return '/usr/sbin/haproxy';
  } catch {
    return undefined;
  }
}

/** HaproxySetup is a rendered configuration, ready to check and run. */
export interface HaproxySetup {
  readonly configFile: string;
  readonly port: number;
  readonly adminPort: number;
}

/** writeHaproxyConfig renders a foreground haproxy config for backends (HTTP checks) into dir. */
export async function writeHaproxyConfig(dir: TestDir, backends: readonly BackendAddress[]): Promise<HaproxySetup> {
  const [port = 0, adminPort = 0] = await freePorts(2);
  const configFile = join(dir.path, 'haproxy.cfg');
  writeFileSync(
    configFile,
    renderHaproxyConfig({
      listen: { host: '127.0.0.1', port },
      backends: backends.map((b) => ({ name: b.name, host: '127.0.0.1', port: b.port })),
      adminListen: { host: '127.0.0.1', port: adminPort },
      healthScheme: 'http',
      mode: 'foreground',
    }),
  );
  return { configFile, port, adminPort };
}

/** startHaproxy runs `haproxy -db -f <config>` and resolves once its admin /readyz answers 200. */
export async function startHaproxy(dir: TestDir, setup: HaproxySetup): Promise<BalancerUnderTest> {
  const haproxy = haproxyPath();
  if (haproxy === undefined) throw new Error('haproxy is not installed');
  const proc = new ManagedProcess(
    {
      name: 'haproxy',
      command: haproxy,
      args: ['-db', '-f', setup.configFile],
      ready: async () => (await httpGet(setup.adminPort, '/readyz', 1_000).catch(() => undefined))?.status === 200,
    },
    join(dir.path, 'haproxy.log'),
  );
  await proc.start();
  return {
    kind: 'haproxy',
    port: setup.port,
    adminPort: setup.adminPort,
    process: proc,
    async status(backend) {
      // the stats CSV: "# pxname,svname,...,status,..."; status is UP, DOWN, "UP 1/2" (going down, still in rotation), …
      const csv = (await httpGet(setup.adminPort, '/stats;csv', 2_000)).body.split('\n');
      const header = (csv[0] ?? '').replace(/^# /, '').split(',');
      const col = (name: string): number => header.indexOf(name);
      const row = csv.map((l) => l.split(',')).find((r) => r[col('pxname')] === HAPROXY_BACKEND && r[col('svname')] === backend.name);
      return (row?.[col('status')] ?? '').startsWith('UP') ? 'up' : 'down';
    },
  };
}

/**
 * describeWithHaproxy declares a suite that needs haproxy, following the compat-suite convention: skipped
 * when haproxy is missing, unless CAPSTAN_COMPAT=required, when a test fails instead.
 */
export function describeWithHaproxy(title: string, body: () => void): void {
  const found = haproxyPath() !== undefined;
  it.runIf(compatRequired())(`${title}: haproxy is installed (CAPSTAN_COMPAT=required)`, () => {
    expect(found, 'CAPSTAN_COMPAT=required but haproxy is missing (Debian package haproxy)').toBe(true);
  });
  describe.runIf(found)(title, body);
}

/** Cluster is the suite's processes. */
export interface Cluster {
  readonly dir: TestDir;
  readonly a: Backend;
  readonly b: Backend;
  readonly lb: BalancerUnderTest;
}

/**
 * useCluster starts replicas a and b and the balancer start() builds before the describe's tests, stops them
 * all after (also when tests fail), and prints every log tail under a failed test.
 */
export function useCluster(prefix: string, start: (dir: TestDir, backends: readonly Backend[]) => Promise<BalancerUnderTest>): () => Cluster {
  let cluster: Cluster | undefined;
  const procs: ManagedProcess[] = [];
  let dir: TestDir | undefined;
  beforeAll(async () => {
    dir = makeTestDir(prefix);
    const a = await startBackend(dir, 'a');
    procs.push(a.process);
    const b = await startBackend(dir, 'b');
    procs.push(b.process);
    const lb = await start(dir, [a, b]);
    procs.push(lb.process);
    cluster = { dir, a, b, lb };
  }, 60_000);
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      for (const p of procs) console.error(p.formattedTail());
    });
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    dir?.dispose();
  });
  return () => {
    if (cluster === undefined) throw new Error('the cluster did not start (see the beforeAll error)');
    return cluster;
  };
}

/** waitStatus polls the balancer until it reports backend as want, and resolves to the milliseconds it took. */
export async function waitStatus(lb: BalancerUnderTest, backend: Backend, want: 'up' | 'down', timeoutMs = 5_000): Promise<number> {
  const started = performance.now();
  await waitFor(async () => ((await lb.status(backend)) === want ? true : undefined), {
    what: `${lb.kind} to report backend ${backend.name} ${want}`,
    timeoutMs,
    intervalMs: 10,
  });
  return performance.now() - started;
}

/** whoami sends n requests through the balancer, each on a new connection, and counts the answering replicas. */
export async function whoami(lb: BalancerUnderTest, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await httpGet(lb.port, '/whoami');
    expect(r.status, `request ${String(i)} through ${lb.kind}`).toBe(200);
    counts[r.body] = (counts[r.body] ?? 0) + 1;
  }
  return counts;
}

/**
 * failoverSuite declares the behaviour every balancer in front of the API servers must show: spreading, a
 * killed replica out of rotation within a second with requests still succeeding, refused connections
 * retried elsewhere, and long-lived streams kept through health changes.
 */
export function failoverSuite(cluster: () => Cluster): void {
  it('spreads new connections over both replicas', async () => {
    const { lb } = cluster();
    const counts = await whoami(lb, 20);
    expect(counts['a']).toBeGreaterThanOrEqual(8);
    expect(counts['b']).toBeGreaterThanOrEqual(8);
  });

  it('keeps a watch-like stream open through health flaps of the other replica', async () => {
    const { lb, a, b } = cluster();
    const stream = await openStream(lb.port);
    try {
      const other = stream.backend === 'a' ? b : a;
      await other.setReady(false);
      await waitStatus(lb, other, 'down');
      await stream.nextLine();
      expect(Object.keys(await whoami(lb, 4))).toEqual([stream.backend]);
      await other.setReady(true);
      await waitStatus(lb, other, 'up');
      await stream.nextLine();
      await other.process.kill9();
      await waitStatus(lb, other, 'down');
      await stream.nextLine();
      await other.process.start();
      await waitStatus(lb, other, 'up');
      await stream.nextLine();
      expect(stream.ended).toBeUndefined();
      expect(stream.lines.every((l) => l.startsWith(`${stream.backend} `))).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('keeps a stream open when its own replica leaves rotation (health changes never cut connections)', async () => {
    const { lb, a, b } = cluster();
    const stream = await openStream(lb.port);
    const own = stream.backend === 'a' ? a : b;
    try {
      await own.setReady(false);
      await waitStatus(lb, own, 'down');
      for (let i = 0; i < 3; i++) await stream.nextLine();
      expect(stream.ended).toBeUndefined();
    } finally {
      stream.close();
      await own.setReady(true);
      await waitStatus(lb, own, 'up');
    }
  });

  it('takes a killed replica out of rotation within a second, and requests keep succeeding', async ({ annotate }) => {
    const { lb, b } = cluster();
    await b.process.kill9();
    const tookMs = await waitStatus(lb, b, 'down', 1_000);
    await annotate(`${lb.kind}: killed replica out of rotation after ${tookMs.toFixed(0)} ms`);
    expect(tookMs).toBeLessThan(1_000);
    expect(await whoami(lb, 10)).toEqual({ a: 10 });
    await b.process.start();
    await waitStatus(lb, b, 'up');
    expect(Object.keys(await whoami(lb, 4)).sort()).toEqual(['a', 'b']);
  });

  it('takes a frozen replica (SIGSTOP) out of rotation once its checks time out `fall` times', async ({ annotate }) => {
    const { lb, b } = cluster();
    b.process.pause();
    try {
      // a frozen process still completes TCP handshakes, so only the check timeout (1 s) can tell
      const tookMs = await waitStatus(lb, b, 'down', 5_000);
      await annotate(`${lb.kind}: frozen replica out of rotation after ${tookMs.toFixed(0)} ms`);
      expect(await whoami(lb, 6)).toEqual({ a: 6 });
    } finally {
      b.process.resume();
    }
    await waitStatus(lb, b, 'up');
  });

  it('retries a connection refused by a replica that just died on the other one, unseen by the client', async ({ annotate }) => {
    const { lb, b } = cluster();
    await b.process.kill9();
    // no wait: the balancer has not run a check since the kill, so some of these are placed on b first
    const latencies: number[] = [];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const r = await httpGet(lb.port, '/whoami');
      latencies.push(performance.now() - started);
      expect(r.status).toBe(200);
      counts[r.body] = (counts[r.body] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 10 });
    await annotate(`${lb.kind}: 10 requests right after the kill all answered; slowest ${Math.max(...latencies).toFixed(0)} ms`);
    await b.process.start();
    await waitStatus(lb, b, 'up');
  });
}
