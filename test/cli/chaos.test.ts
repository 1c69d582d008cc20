import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRecord } from '../../src/cli/chaos-faults.js';
import { processState } from '../../src/cli/chaos-targets.js';
import { clusterProcesses, readClusterFile, type ClusterFile } from '../../src/cli/launcher/cluster-file.js';
import { isAlive } from '../../src/cli/launcher/processes.js';
import { EtcdClient } from '../../src/store/client/index.js';
import { poll } from './helpers/poll.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const capstan = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, timeout: 60_000 });
/** capstanFails runs a command that must fail and returns its exit code and stderr. */
const capstanFails = async (...args: string[]): Promise<{ code: number; stderr: string }> => {
  try {
    await capstan(...args);
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  throw new Error(`capstan ${args.join(' ')} succeeded`);
};

interface StatusView {
  name: string;
  healthy: boolean;
  leader?: boolean;
  raftTerm?: number;
  appliedIndex?: number;
}

describe('capstan chaos kill|pause|resume|restart (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-chaos-'));
  const file = (): ClusterFile => readClusterFile(dir)!;
  const status = async (): Promise<StatusView[]> => (JSON.parse((await capstan('status', '--dir', dir, '-o', 'json')).stdout) as { store: StatusView[] }).store;
  const endpoint = (name: string): string => file().store.members.find((m) => m.name === name)!.clientURL;
  const client = (endpoints: string[]): EtcdClient => new EtcdClient({ endpoints, requestTimeoutMs: 1000, dialTimeoutMs: 500 });
  const chaos = async (...args: string[]): Promise<FaultRecord> => {
    const out = (await capstan('chaos', ...args, '--dir', dir, '-o', 'json')).stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    return JSON.parse(out[0]!) as FaultRecord;
  };
  const seen = new Set<number>();

  beforeAll(async () => {
    await capstan('up', '--members', '3', '--apiservers', '0', '--detach', '--dir', dir);
    for (const p of clusterProcesses(file())) seen.add(p.pid);
  });

  afterAll(() => {
    // Stop everything this test started, by PID: every PID cluster.json ever named (restarts included).
    const f = readClusterFile(dir);
    for (const p of f === undefined ? [] : clusterProcesses(f)) seen.add(p.pid);
    for (const pid of seen) if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('kill --leader: the leader dies, a new one is elected at a higher term, writes succeed; restart brings the member back with its data', async () => {
    const before = await status();
    const oldLeader = before.find((v) => v.leader)!;
    const c0 = client(file().store.endpoints);
    await c0.put('chaos/before', 'v0');
    c0.close();

    const killed = await chaos('kill', '--leader');
    expect(killed).toMatchObject({ action: 'kill', component: 'store', name: oldLeader.name, leaderTerm: oldLeader.raftTerm });
    expect(processState(killed.pid)).toBe('gone');

    // Failover: from the kill to the first write acknowledged by the survivors.
    const survivors = file().store.members.filter((m) => m.name !== killed.name).map((m) => m.clientURL);
    const c1 = client(survivors);
    const failoverMs = await poll('a write after the leader is killed', 20_000, async () => {
      await c1.put('chaos/after-kill', 'v1');
      return Date.now() - killed.at;
    });
    process.stdout.write(`chaos: leader ${killed.name} killed, first write acknowledged after ${failoverMs} ms\n`);
    const after = await status();
    const newLeader = after.find((v) => v.leader)!;
    expect(newLeader.name).not.toBe(killed.name);
    expect(newLeader.raftTerm).toBeGreaterThan(oldLeader.raftTerm!);
    expect(after.find((v) => v.name === killed.name)).toMatchObject({ healthy: false });

    // A killed member cannot be killed or paused again, and a running one cannot be restarted.
    expect(await capstanFails('chaos', 'kill', '--member', killed.name, '--dir', dir)).toMatchObject({ code: 1, stderr: expect.stringContaining('is not running') });
    expect(await capstanFails('chaos', 'restart', '--member', newLeader.name, '--dir', dir)).toMatchObject({ code: 1, stderr: expect.stringContaining('kill it first') });

    const restarted = await chaos('restart', '--member', killed.name);
    seen.add(restarted.pid);
    expect(restarted).toMatchObject({ action: 'restart', name: killed.name });
    expect(restarted.pid).not.toBe(killed.pid);
    expect(file().store.members.find((m) => m.name === killed.name)!.pid).toBe(restarted.pid);
    // Its data survived the crash, and it caught up with what was written while it was down.
    const c2 = client([endpoint(killed.name)]);
    await poll('the restarted member serves both keys', 20_000, async () => {
      const a = await c2.get('chaos/before');
      const b = await c2.get('chaos/after-kill');
      return a.kvs[0]?.value.toString() === 'v0' && b.kvs[0]?.value.toString() === 'v1' ? true : undefined;
    });
    c2.close();
    c1.close();
    expect((await status()).every((v) => v.healthy)).toBe(true);
  });

  it('pause/resume a follower: writes go on without it, and it catches up once resumed', async () => {
    const views = await status();
    const follower = views.find((v) => !v.leader)!;
    const paused = await chaos('pause', '--member', follower.name);
    expect(paused).toMatchObject({ action: 'pause', name: follower.name });
    expect(paused.leaderTerm).toBeUndefined();
    expect(processState(paused.pid)).toBe('stopped');
    expect(await chaos('pause', '--member', follower.name)).toMatchObject({ noop: 'already paused' });

    const others = file().store.members.filter((m) => m.name !== follower.name).map((m) => m.clientURL);
    const c = client(others);
    for (let i = 0; i < 20; i++) await c.put('chaos/paused', `p${i}`);
    c.close();

    const resumed = await chaos('resume', '--member', follower.name);
    expect(resumed).toMatchObject({ action: 'resume', name: follower.name, pid: paused.pid });
    expect(processState(paused.pid)).toBe('running');
    const f = client([endpoint(follower.name)]);
    await poll('the resumed follower serves the last write', 20_000, async () => ((await f.get('chaos/paused')).kvs[0]?.value.toString() === 'p19' ? true : undefined));
    f.close();
  });

  it('pause --leader: the others elect a leader and take writes; resume (no --member) wakes every paused member and it rejoins', async () => {
    const paused = await chaos('pause', '--leader');
    expect(paused.leaderTerm).toBeGreaterThan(0);
    const others = file().store.members.filter((m) => m.name !== paused.name).map((m) => m.clientURL);
    const c = client(others);
    const failoverMs = await poll('a write while the leader is paused', 20_000, async () => {
      await c.put('chaos/leader-paused', 'x');
      return Date.now() - paused.at;
    });
    c.close();
    // A paused leader keeps its sockets open: the others wait out the election timeout (1 s) before they stand.
    process.stdout.write(`chaos: leader ${paused.name} paused, first write acknowledged after ${failoverMs} ms\n`);
    const out = (await capstan('chaos', 'resume', '--dir', dir)).stdout;
    expect(out).toBe(`resumed ${paused.name} (pid ${paused.pid}) with SIGCONT\n`);
    expect((await capstan('chaos', 'resume', '--dir', dir)).stdout).toBe('no paused store process\n');
    await poll('every member healthy, one leader, one term', 20_000, async () => {
      const v = await status();
      return v.every((m) => m.healthy) && v.filter((m) => m.leader).length === 1 && new Set(v.map((m) => m.raftTerm)).size === 1 ? v : undefined;
    });
  });

  it('refuses bad targets with usage errors', async () => {
    expect(await capstanFails('chaos', 'kill', '--dir', dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('give either --member NAME or --leader') });
    expect(await capstanFails('chaos', 'kill', '--member', 'store-9', '--dir', dir)).toMatchObject({ code: 1, stderr: expect.stringContaining('no store process named store-9') });
    expect(await capstanFails('chaos', 'pause', '--leader', '--component', 'apiserver', '--dir', dir)).toMatchObject({ code: 2 });
    expect(await capstanFails('chaos', 'kill', '--member', 'store-1', '--component', 'etcd', '--dir', dir)).toMatchObject({ code: 2 });
    expect(await capstanFails('chaos', 'kill', '--leader', '--dir', join(dir, 'nowhere'))).toMatchObject({ code: 1, stderr: expect.stringContaining('no cluster.json') });
  });
});

describe('capstan chaos on the control plane (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-chaos-cp-'));
  const seen = new Set<number>();
  afterAll(() => {
    const f = readClusterFile(dir);
    for (const p of f === undefined ? [] : clusterProcesses(f)) seen.add(p.pid);
    for (const pid of seen) if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills and restarts an API server replica and the load balancer (a paused one too); the restarted ones are ready', async () => {
    await capstan('up', '--members', '1', '--apiservers', '1', '--detach', '--dir', dir);
    for (const p of clusterProcesses(readClusterFile(dir)!)) seen.add(p.pid);
    const say = async (...args: string[]): Promise<string> => (await capstan('chaos', ...args, '--dir', dir)).stdout;

    const killed = await say('kill', '--component', 'apiserver', '--member', 'apiserver-1');
    expect(killed).toMatch(/^killed apiserver-1 \(pid \d+\) with SIGKILL\n$/);
    const restarted = await say('restart', '--component', 'apiserver', '--member', 'apiserver-1');
    expect(restarted).toMatch(/^restarted apiserver-1 \(pid \d+\), ready after \d+ ms\n$/);
    expect(await say('pause', '--component', 'lb', '--member', 'lb')).toMatch(/^paused lb /);
    expect(await say('kill', '--component', 'lb', '--member', 'lb')).toMatch(/^killed lb /);
    expect(await say('restart', '--component', 'lb', '--member', 'lb')).toMatch(/^restarted lb \(pid \d+\), ready after \d+ ms\n$/);
    const f = readClusterFile(dir)!;
    for (const p of clusterProcesses(f)) seen.add(p.pid);
    const st = JSON.parse((await capstan('status', '--dir', dir, '-o', 'json')).stdout) as { apiserver: { processes: { name: string; pid: number; ready: boolean }[] } };
    expect(st.apiserver.processes.map((p) => [p.name, p.pid, p.ready])).toEqual([
      ['lb', f.apiserver!.lb.pid, true],
      ['apiserver-1', f.apiserver!.replicas[0]!.pid, true],
    ]);
  });
});
