import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRecord } from '../../src/cli/chaos-faults.js';
import { memberIdOf } from '../../src/cli/chaos-partition.js';
import { clusterProcesses, readClusterFile, type ClusterFile, type MemberRecord } from '../../src/cli/launcher/cluster-file.js';
import { isAlive } from '../../src/cli/launcher/processes.js';
import { memberStatus } from '../../src/cli/launcher/store-status.js';
import { EtcdClient } from '../../src/store/client/index.js';
import { poll } from './helpers/poll.js';
import { toBigInt, toNum } from '../../src/store/grpc/types.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const capstan = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, timeout: 60_000 });

interface View {
  id: bigint;
  leader: bigint;
  term: number;
}

const view = async (m: MemberRecord): Promise<View> => {
  const s = await memberStatus(m.clientURL, 1000);
  return { id: toBigInt(s.header?.memberId), leader: toBigInt(s.leader), term: toNum(s.raftTerm) };
};

describe('capstan chaos partition|heal (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-partition-'));
  const file = (): ClusterFile => readClusterFile(dir)!;
  const member = (name: string): MemberRecord => file().store.members.find((m) => m.name === name)!;
  const chaos = async (...args: string[]): Promise<FaultRecord> => JSON.parse((await capstan('chaos', ...args, '--dir', dir, '-o', 'json')).stdout.trim()) as FaultRecord;
  const client = (endpoints: string[]): EtcdClient => new EtcdClient({ endpoints, requestTimeoutMs: 1000, dialTimeoutMs: 500 });

  beforeAll(async () => {
    await capstan('up', '--members', '3', '--apiservers', '0', '--detach', '--dir', dir);
  });

  afterAll(() => {
    const f = readClusterFile(dir);
    for (const p of f === undefined ? [] : clusterProcesses(f)) if (p.pid > 0 && isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('isolating the leader: it steps down (CheckQuorum), the majority elects a leader and takes writes; healed, the old leader follows and catches up', async () => {
    const isolated = await chaos('partition', '--leader');
    expect(isolated).toMatchObject({ action: 'partition', partition: { oneWay: false } });
    expect(isolated.partition!.minority).toHaveLength(1);
    const old = member(isolated.partition!.minority[0]!);
    const oldId = memberIdOf(file(), old);
    expect((await view(old)).id).toBe(oldId);
    const majority = file().store.members.filter((m) => m.name !== old.name);

    // CheckQuorum: a leader that hears from no quorum for an election timeout steps down.
    await poll('the isolated leader steps down', 10_000, async () => ((await view(old)).leader !== oldId ? true : undefined));
    const elected = await poll('the majority elects a new leader', 10_000, async () => {
      const vs = await Promise.all(majority.map(view));
      const self = vs.find((v) => v.leader === v.id && v.leader !== 0n);
      return self !== undefined && vs.every((v) => v.leader === self.id) ? self : undefined;
    });
    expect(elected.term).toBeGreaterThan(isolated.leaderTerm!);
    const c = client(majority.map((m) => m.clientURL));
    await poll('a write on the majority', 10_000, async () => (await c.put('partition/k', 'during'), true));
    // The isolated member cannot serve a linearizable read: it has no leader to confirm with.
    const pinned = client([old.clientURL]);
    await expect(pinned.get('partition/k')).rejects.toThrow();
    // Both ends of every cut link drop what they would send over it; the partition is silent, not a crash.
    const faults = async (m: MemberRecord): Promise<{ dropTo: string[]; dropFrom: string[]; dropped: { outbound: number } }> =>
      (await (await fetch(new URL('/debug/faults/partition', m.clientURL))).json()) as { dropTo: string[]; dropFrom: string[]; dropped: { outbound: number } };
    const atOld = await faults(old);
    expect(atOld.dropTo).toEqual(majority.map((m) => memberIdOf(file(), m).toString(16)).sort());
    expect(atOld.dropFrom).toEqual(atOld.dropTo);
    expect(atOld.dropped.outbound).toBeGreaterThan(0);
    expect(await faults(majority[0]!)).toMatchObject({ dropTo: [oldId.toString(16)], dropFrom: [oldId.toString(16)] });
    expect((await faults(elected.id === memberIdOf(file(), majority[0]!) ? majority[0]! : majority[1]!)).dropped.outbound).toBeGreaterThan(0);

    expect(await chaos('heal')).toMatchObject({ action: 'heal' });
    await poll('the old leader follows the new one', 10_000, async () => ((await view(old)).leader === elected.id ? true : undefined));
    await poll('the old leader caught up', 10_000, async () => ((await pinned.get('partition/k', { serializable: true })).kvs[0]?.value.toString() === 'during' ? true : undefined));
    expect((await pinned.get('partition/k')).kvs[0]?.value.toString()).toBe('during');
    pinned.close();
    c.close();
  });

  it('a one-way partition of the leader: never heard, it is replaced, and follows the new leader it still hears', async () => {
    const cut = await chaos('partition', '--leader', '--one-way');
    expect(cut.partition).toMatchObject({ oneWay: true });
    const old = member(cut.partition!.minority[0]!);
    const oldId = memberIdOf(file(), old);
    const majority = file().store.members.filter((m) => m.name !== old.name);
    const elected = await poll('the majority elects a new leader', 10_000, async () => {
      const vs = await Promise.all(majority.map(view));
      const self = vs.find((v) => v.leader === v.id && v.leader !== 0n && v.term > cut.leaderTerm!);
      return self !== undefined && vs.every((v) => v.leader === self.id) ? self : undefined;
    });
    expect(elected.id).not.toBe(oldId);
    // Its messages are lost, but the new leader's reach it.
    await poll('the old leader hears the new one', 10_000, async () => ((await view(old)).leader === elected.id ? true : undefined));
    await chaos('heal');
    const c = client(file().store.endpoints);
    await c.put('partition/after-one-way', 'ok');
    c.close();
  });

  it('refuses partitions that cannot be made', async () => {
    const err = (await capstan('chaos', 'partition', '--member', 'store-9', '--dir', dir).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('no member named store-9');
    const split = await chaos('partition', '--split', '--member', 'store-2');
    expect(split.partition).toEqual({ minority: ['store-2'], majority: ['store-1', 'store-3'], oneWay: false });
    await chaos('heal');
  });
});
