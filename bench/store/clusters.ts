/**
 * clusters starts the two 3-member clusters the benchmark compares, both on loopback ports chosen at run
 * time, in temporary directories, with etcd's default timings (--heartbeat-interval=100,
 * --election-timeout=1000):
 *
 * - capstan through its own CLI, `capstan up --members 3 --detach --dir DIR` (which passes no timing flags,
 *   so capstan's defaults, the same 100/1000 ms, apply); member PIDs, URLs and the cluster token are read
 *   from DIR/cluster.json;
 * - etcd by spawning /usr/bin/etcd (found on PATH) three times with the flags a static 3-member bootstrap
 *   takes.
 *
 * A killed member is restarted with the very command line it was started with (for capstan, the `capstan
 * store` flags that `capstan up` passes), on its data directory. Every PID is registered with the run's
 * ProcessRegistry, which stops them however the run ends.
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, appendFileSync, closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { readClusterFile, type ClusterFile } from '../../src/cli/launcher/cluster-file.js';
import { storeMemberArgs } from '../../src/cli/launcher/control-plane.js';
import { freePorts } from '../../src/cli/launcher/processes.js';
import { EtcdRpc, encodeRange, type MemberStatus } from './rpc.js';
import { isAlive, waitGone, type ProcessRegistry } from './processes.js';
import { withRuntimeFlags } from '../../src/util/node-flags.js';
import { capstanCli } from '../capstan-cli.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** StoreKind names the two systems under test. */
export type StoreKind = 'capstan' | 'etcd';

/** BenchMember is one member process of a cluster. */
export interface BenchMember {
  readonly name: string;
  /** endpoint is the client URL, http://127.0.0.1:PORT. */
  readonly endpoint: string;
  /** address is host:port, for gRPC. */
  readonly address: string;
  readonly logFile: string;
  /** pid is the current process (a restart changes it). */
  pid: number;
  /** memberId is the Raft member ID from the member's own Status header. */
  memberId: bigint;
  /** argv is the command line that (re)starts the member. */
  readonly argv: readonly string[];
}

/** LeaderInfo is the member that reports itself leader, and its term. */
export interface LeaderInfo {
  leader: BenchMember;
  term: number;
}

function childEnv(): NodeJS.ProcessEnv {
  // etcd reads ETCD_* variables as flags: keep the caller's environment out of both stores.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD_') && !k.startsWith('ETCDCTL_')) env[k] = v;
  return env;
}

/** findOnPath returns the first executable called name on PATH. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** waitMemberReady resolves once the member serves a linearizable Range, failing early if its process exits. */
export async function waitMemberReady(m: BenchMember, timeoutMs: number): Promise<void> {
  const rpc = new EtcdRpc(m.address, { fastReconnect: true });
  const deadline = Date.now() + timeoutMs;
  const request = encodeRange(Buffer.from('health'), false);
  let last = 'no answer';
  try {
    for (;;) {
      if (!isAlive(m.pid)) throw new Error(`member ${m.name} (pid ${m.pid}) exited before it was ready (${last}); log: ${m.logFile}`);
      try {
        await rpc.range(request, 1_000);
        return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() >= deadline) throw new Error(`member ${m.name} did not serve a linearizable read within ${timeoutMs} ms (${last}); log: ${m.logFile}`);
      await delay(50);
    }
  } finally {
    rpc.close();
  }
}

async function memberStatus(address: string, timeoutMs: number): Promise<MemberStatus> {
  const rpc = new EtcdRpc(address);
  try {
    return await rpc.status(timeoutMs);
  } finally {
    rpc.close();
  }
}

/** BenchCluster is one running 3-member cluster. */
export class BenchCluster {
  private constructor(
    readonly kind: StoreKind,
    readonly root: string,
    readonly members: BenchMember[],
    private readonly registry: ProcessRegistry,
  ) {}

  get addresses(): string[] {
    return this.members.map((m) => m.address);
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  get pids(): number[] {
    return this.members.map((m) => m.pid);
  }

  /** deadMembers lists members whose process is gone. */
  deadMembers(): BenchMember[] {
    return this.members.filter((m) => !isAlive(m.pid));
  }

  /**
   * leader polls Maintenance.Status on the members not excluded until one names itself leader in a term no
   * other answering member has passed.
   */
  async leader(timeoutMs: number, exclude: readonly BenchMember[] = []): Promise<LeaderInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const candidates = this.members.filter((m) => !exclude.includes(m) && isAlive(m.pid));
      const answers = await Promise.all(candidates.map((m) => memberStatus(m.address, 500).then((st) => ({ m, st }), () => undefined)));
      let maxTerm = 0;
      let best: LeaderInfo | undefined;
      for (const a of answers) {
        if (a === undefined) continue;
        maxTerm = Math.max(maxTerm, a.st.raftTerm);
        if (a.st.leader !== 0n && a.st.leader === a.st.memberId && (best === undefined || a.st.raftTerm > best.term)) best = { leader: a.m, term: a.st.raftTerm };
      }
      if (best !== undefined && best.term >= maxTerm) return best;
      if (Date.now() >= deadline) throw new Error(`${this.kind}: no leader within ${timeoutMs} ms`);
      await delay(25);
    }
  }

  /** kill9 sends SIGKILL to the member's PID and waits until the process is gone. */
  async kill9(m: BenchMember): Promise<void> {
    try {
      process.kill(m.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    if (!(await waitGone(m.pid, 5_000))) throw new Error(`${m.name} (pid ${m.pid}) still alive 5 s after SIGKILL`);
    this.registry.remove(m.pid);
  }

  /** restart starts a stopped member again with its original command line (its data directory is kept). */
  restart(m: BenchMember): void {
    if (isAlive(m.pid)) throw new Error(`${m.name} (pid ${m.pid}) is still running`);
    appendFileSync(m.logFile, `==> capstan bench: restarting ${m.name}: ${m.argv.join(' ')}\n`);
    m.pid = spawnLogged(m.argv, m.logFile);
    this.registry.add(m.pid, `${this.kind} member ${m.name}`);
  }

  /** logs are the members' log files. */
  get logFiles(): string[] {
    return this.members.map((m) => m.logFile);
  }

  /**
   * startCapstan runs `capstan up --members 3 --detach` in root and reads the members from cluster.json. With
   * cpuProfDir, every process `capstan up` starts runs under `node --cpu-prof` and writes its profile there
   * when it stops.
   */
  static async startCapstan(root: string, registry: ProcessRegistry, cpuProfDir?: string): Promise<BenchCluster> {
    const dir = join(root, 'capstan');
    const nodeArgs = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
    const up = await new Promise<{ ok: boolean; output: string }>((resolve) => {
      execFile(process.execPath, [...nodeArgs, ...capstanCli(), 'up', '--dir', dir, '--members', '3', '--apiservers', '0', '--detach'], { cwd: repoRoot, env: childEnv(), timeout: 90_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
        resolve({ ok: err === null, output: `${stdout}${stderr}` }),
      );
    });
    let file: ClusterFile | undefined;
    try {
      file = readClusterFile(dir);
    } catch {
      file = undefined;
    }
    // Register whatever started before looking at the outcome, so a half-started cluster is stopped too.
    for (const m of file?.store.members ?? []) if (m.pid > 0) registry.add(m.pid, `capstan member ${m.name}`);
    if (!up.ok || file === undefined) throw new Error(`capstan up failed:\n${up.output}`);
    const started = file;
    const members: BenchMember[] = file.store.members.map((m) => ({
      name: m.name,
      endpoint: m.clientURL,
      address: new URL(m.clientURL).host,
      logFile: m.log,
      pid: m.pid,
      memberId: 0n,
      // The flags `capstan up` starts a member with; on a restart the data directory wins.
      argv: [process.execPath, ...withRuntimeFlags([]), ...capstanCli(), ...storeMemberArgs(m, started.store.members, started.store.clusterToken, 'new')],
    }));
    const cluster = new BenchCluster('capstan', dir, members, registry);
    await cluster.learnIds();
    return cluster;
  }

  /** startEtcd spawns three etcd members with a static bootstrap and waits until each serves a linearizable read. */
  static async startEtcd(root: string, registry: ProcessRegistry): Promise<BenchCluster> {
    const etcd = findOnPath('etcd');
    if (etcd === undefined) throw new Error('etcd is not on PATH');
    const dir = join(root, 'etcd');
    const ports = await freePorts(6);
    const layout = [0, 1, 2].map((i) => ({
      name: `etcd-${i + 1}`,
      clientURL: `http://127.0.0.1:${ports[2 * i]!}`,
      peerURL: `http://127.0.0.1:${ports[2 * i + 1]!}`,
      dataDir: join(dir, `etcd-${i + 1}`),
      log: join(dir, `etcd-${i + 1}.log`),
    }));
    mkdirSync(dir, { recursive: true });
    const initialCluster = layout.map((l) => `${l.name}=${l.peerURL}`).join(',');
    const token = `capstan-bench-${process.pid}-${ports[0]!}`;
    const members: BenchMember[] = layout.map((l) => {
      mkdirSync(l.dataDir, { recursive: true, mode: 0o700 });
      const argv = [
        etcd,
        `--name=${l.name}`,
        `--data-dir=${l.dataDir}`,
        `--listen-client-urls=${l.clientURL}`,
        `--advertise-client-urls=${l.clientURL}`,
        `--listen-peer-urls=${l.peerURL}`,
        `--initial-advertise-peer-urls=${l.peerURL}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=${token}`,
        '--heartbeat-interval=100',
        '--election-timeout=1000',
      ];
      const pid = spawnLogged(argv, l.log);
      registry.add(pid, `etcd member ${l.name}`);
      return { name: l.name, endpoint: l.clientURL, address: new URL(l.clientURL).host, logFile: l.log, pid, memberId: 0n, argv };
    });
    const cluster = new BenchCluster('etcd', dir, members, registry);
    await Promise.all(members.map((m) => waitMemberReady(m, 30_000)));
    await cluster.learnIds();
    return cluster;
  }

  private async learnIds(): Promise<void> {
    for (const m of this.members) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          m.memberId = (await memberStatus(m.address, 1_000)).memberId;
          if (m.memberId !== 0n) break;
        } catch (err) {
          if (Date.now() >= deadline) throw new Error(`${this.kind} member ${m.name}: no Maintenance.Status within 10 s`, { cause: err });
        }
        await delay(50);
      }
    }
  }
}

function spawnLogged(argv: readonly string[], logFile: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, env: childEnv(), stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${argv[0]!}`);
    // The exit status is not needed (liveness is checked by PID), but the handler keeps node reaping it.
    child.once('exit', () => undefined);
    child.once('error', () => undefined);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}
