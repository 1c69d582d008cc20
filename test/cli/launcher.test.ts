import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { clusterProcesses, readClusterFile } from '../../src/cli/launcher/cluster-file.js';
import { loadProtos } from '../../src/store/grpc/proto.js';
import { isAlive } from '../../src/cli/launcher/processes.js';
import { LISTEN_BACKLOG } from '../../src/util/listen.js';
import { compatRequired, etcdctlPath, findOnPath } from '../compat/helpers/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const capstan = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, timeout: 60_000 });

describe('capstan up --detach, status, down (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-up-'));
  afterAll(() => {
    // Whatever happened, nothing this test started keeps running: stop by PID from cluster.json.
    const f = readClusterFile(dir);
    for (const p of f === undefined ? [] : clusterProcesses(f)) if (p.pid !== 0 && isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a healthy 3-member store with 2 API servers behind the load balancer, reports them in cluster.json and status, serves etcd and kubectl requests, and stops everything', async () => {
    // The components are proved in test/integration/control-plane.test.ts; here the store and API servers alone.
    const up = await capstan('up', '--dir', dir, '--detach', '--members', '3', '--schedulers', '0', '--controller-managers', '0', '--nodes', '0');
    expect(up.stdout).toContain('capstan store is up: 3 member(s)');
    expect(up.stdout).toContain('capstan apiserver is up: 2 replica(s) behind the load balancer');
    const f = readClusterFile(dir)!;
    expect(f.store.endpoints).toHaveLength(3);
    expect(f.store.endpoints[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const m of f.store.members) expect(isAlive(m.pid)).toBe(true);

    const u = new URL(f.store.endpoints[0]!);
    const kv = new (loadProtos().clients.KV)(`${u.hostname}:${u.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Put(req: object, cb: (err: Error | null, resp: { header: { revision: string } }) => void): void;
    };
    const putResp = await new Promise<{ header: { revision: string } }>((resolve, reject) =>
      kv.Put({ key: Buffer.from('hello'), value: Buffer.from('world') }, (err, resp) => (err ? reject(err) : resolve(resp))),
    );
    kv.close();
    expect(Number(putResp.header.revision)).toBeGreaterThan(1);

    // The control plane: two replicas and the LB, reachable over TLS with the kubeconfig up wrote.
    const cp = f.apiserver!;
    expect(cp.replicas).toHaveLength(2);
    expect(cp.url).toBe(`https://${cp.lb.listen}`);
    for (const p of [cp.lb, ...cp.replicas]) expect(isAlive(p.pid)).toBe(true);
    const kubectl = findOnPath('kubectl');
    if (kubectl !== undefined || compatRequired()) {
      const ns = await promisify(execFile)(kubectl ?? 'kubectl', [`--kubeconfig=${f.kubeconfig!}`, 'get', 'namespaces', '-o', 'name'], { timeout: 30_000 });
      expect(ns.stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/default', 'namespace/kube-system']));
    }
    const anonymous = await promisify(execFile)('curl', ['-s', '--cacert', cp.caCert, `${cp.url}/api/v1/namespaces`], { timeout: 30_000 });
    expect(JSON.parse(anonymous.stdout)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });

    const st = JSON.parse((await capstan('status', '--dir', dir, '-o', 'json')).stdout) as { store: { healthy: boolean; leader: boolean; raftTerm: number }[] };
    expect(st.store).toHaveLength(3);
    for (const v of st.store) expect(v.healthy).toBe(true);
    expect(st.store.filter((v) => v.leader)).toHaveLength(1);
    expect(new Set(st.store.map((v) => v.raftTerm)).size).toBe(1);

    const table = (await capstan('status', '--dir', dir)).stdout;
    expect(table).toMatch(/^NAME\s+ENDPOINT\s+PID\s+ID\s+LEADER\s+TERM\s+APPLIED\s+DB SIZE\s+HEALTH/);
    expect(table).toMatch(/\napiserver-1\s+https:\/\/127\.0\.0\.1:\d+\s+\d+\s+ready\n/);
    expect(table).toMatch(/\nlb\s+https:\/\/127\.0\.0\.1:\d+\s+\d+\s+ready\n/);

    // Every listener asks the kernel for its largest accept queue, as Go's servers do (src/util/listen.ts) — all
    // but the members' peer ports, where grpc-js listens with Node's default (a few peers connect there).
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    const sockets = (await promisify(execFile)('ss', ['-ltnpH'], { timeout: 30_000 })).stdout.split('\n');
    const peerPorts = new Set(f.store.members.map((m) => new URL(m.peerURL).port));
    for (const p of clusterProcesses(f)) {
      const listening = sockets.filter((l) => l.includes(`pid=${p.pid},`)).map((l) => l.trim().split(/\s+/));
      const backlogs = listening.filter((cols) => !peerPorts.has(cols[3]!.split(':').at(-1)!)).map((cols) => Number(cols[2]));
      expect(backlogs.length, `${p.name} listens`).toBeGreaterThan(0);
      expect(new Set(backlogs), `${p.name}'s accept queues`).toEqual(new Set([Math.min(LISTEN_BACKLOG, somaxconn)]));
    }

    const down = await capstan('down', '--dir', dir);
    for (const p of clusterProcesses(readClusterFile(dir)!)) {
      expect(down.stdout).toContain(`${p.name} (pid ${p.pid}): stopped`);
      expect(isAlive(p.pid)).toBe(false);
    }
  });
});

// `npm start` runs the foreground `capstan up`: it prints the endpoints and an etcdctl example that works as
// printed (and the API server's URL and kubeconfig, and the components), and Ctrl-C (SIGINT to the process) stops every process
// and exits 0. A second `up` on the same
// directory is refused while the first runs; run again after the stop, it restarts on the same ports and data.
describe.runIf(etcdctlPath() !== undefined || process.env['CAPSTAN_COMPAT'] === 'required')('capstan up in the foreground (npm start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-up-fg-'));
  let up: ChildProcess | undefined;
  afterAll(() => {
    if (up?.pid !== undefined && up.exitCode === null && up.signalCode === null) up.kill('SIGKILL');
    const f = readClusterFile(dir);
    for (const p of f === undefined ? [] : clusterProcesses(f)) if (p.pid !== 0 && isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the endpoints and an etcdctl example that works; Ctrl-C stops every process and exits 0', async () => {
    const etcdctl = etcdctlPath();
    expect(etcdctl, 'etcdctl on PATH (Debian package etcd-client)').toBeDefined();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'up', '--members', '1', '--dir', dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    up = child;
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`up printed no "press Ctrl-C" within 60 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 60_000);
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        if (stdout.includes('press Ctrl-C to stop\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`up exited (${String(e.code ?? e.signal)}) before it was up\nstdout: ${stdout}\nstderr: ${stderr}`));
      });
    });

    const file = readClusterFile(dir)!;
    expect(file.store.members).toHaveLength(1);
    const endpoint = file.store.endpoints[0]!;
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).toBe(
      'capstan store is up: 1 member(s)\n' +
        `  endpoints:    ${endpoint}\n` +
        `  cluster file: ${join(dir, 'cluster.json')}\n` +
        `  try:          ETCDCTL_API=3 etcdctl --endpoints=${endpoint} put hello world\n` +
        'capstan apiserver is up: 2 replica(s) behind the load balancer\n' +
        `  server:       ${file.apiserver!.url}\n` +
        `  kubeconfig:   ${join(dir, 'kubeconfig')}\n` +
        `  try:          kubectl --kubeconfig=${join(dir, 'kubeconfig')} get namespaces\n` +
        'components are up: 2 scheduler(s), 2 controller-manager(s), 3 hollow node(s)\n' +
        `  try:          kubectl --kubeconfig=${join(dir, 'kubeconfig')} create deployment web --image=nginx --replicas=3\n` +
        `  status:       capstan status --dir ${dir}\n` +
        'press Ctrl-C to stop\n',
    );

    // Run the printed example as printed: VAR=value assignments go to the environment, the rest is argv.
    const example = /^ {2}try: {10}(.*)$/m.exec(stdout)![1]!.split(' ');
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '' };
    while (/^[A-Z_]+=/.test(example[0]!)) {
      const [k, v] = example.shift()!.split('=') as [string, string];
      env[k] = v;
    }
    expect(example[0]).toBe('etcdctl');
    const put = await promisify(execFile)(etcdctl!, example.slice(1), { env, timeout: 20_000 });
    expect(put.stdout).toBe('OK\n');
    const get = await promisify(execFile)(etcdctl!, [`--endpoints=${endpoint}`, 'get', 'hello', '--print-value-only'], { env, timeout: 20_000 });
    expect(get.stdout).toBe('world\n');

    // While it runs, a second `up` on the same directory is refused and starts nothing.
    const second = await capstan('up', '--dir', dir, '--members', '1').then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`a cluster is already running from ${dir}`);
    expect(readClusterFile(dir)!.store.members.map((m) => m.pid)).toEqual(file.store.members.map((m) => m.pid));

    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    const stopped = readClusterFile(dir)!;
    expect(stderr).toContain(`stopping ...\n${clusterProcesses(stopped).map((p) => `  ${p.name} (pid ${p.pid}): stopped\n`).join('')}`);
    for (const p of clusterProcesses(stopped)) expect(isAlive(p.pid), `${p.name} pid ${p.pid}`).toBe(false);
    await expect(fetch(new URL('/health', endpoint), { signal: AbortSignal.timeout(2000) })).rejects.toThrow();

    // Run again: the same member restarts on the same ports with its data.
    await capstan('up', '--dir', dir, '--detach');
    const again = readClusterFile(dir)!;
    expect(again.store.endpoints).toEqual(file.store.endpoints);
    const kept = await promisify(execFile)(etcdctl!, [`--endpoints=${endpoint}`, 'get', 'hello', '--print-value-only'], { env, timeout: 20_000 });
    expect(kept.stdout).toBe('world\n');
    await capstan('down', '--dir', dir);
    for (const p of clusterProcesses(again)) expect(isAlive(p.pid)).toBe(false);
  });
});
