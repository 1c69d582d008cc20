/**
 * `capstan member list|add|remove|promote` on a cluster started with `capstan up --detach` (real
 * processes): add --learner --start starts the new member and records it in cluster.json, promote succeeds
 * once it caught up, remove (by name) stops it and forgets it, and refusals exit 1 with etcd's message.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterProcesses, readClusterFile } from '../../src/cli/launcher/cluster-file.js';
import { isAlive } from '../../src/cli/launcher/processes.js';
import { waitFor } from '../compat/helpers/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function capstan(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
    );
  });
}

describe('capstan member (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-member-'));
  const started = new Set<number>();
  afterAll(() => {
    const f = readClusterFile(dir);
    for (const pid of [...started, ...(f === undefined ? [] : clusterProcesses(f).map((p) => p.pid))]) if (pid !== 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists, adds and starts a learner, promotes it, removes it, and refuses what etcd refuses', async () => {
    const up = await capstan('up', '--dir', dir, '--detach', '--members', '3', '--apiservers', '0');
    expect(up.code, up.stderr).toBe(0);
    for (const m of readClusterFile(dir)!.store.members) started.add(m.pid);

    const list = await capstan('member', 'list', '--dir', dir);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(3);
    expect(list.stdout).toMatch(/^[0-9a-f]+, started, store-1, http:\/\/127\.0\.0\.1:\d+, http:\/\/127\.0\.0\.1:\d+, false$/m);

    const add = await capstan('member', 'add', 'store-4', '--learner', '--start', '--dir', dir);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^Member [ 0-9a-f]{16} added to cluster [ 0-9a-f]{16}\n\nETCD_NAME="store-4"\nETCD_INITIAL_CLUSTER="[^"]*store-4=http:\/\/127\.0\.0\.1:\d+[^"]*"\n/);
    expect(add.stdout).toContain('ETCD_INITIAL_CLUSTER_STATE="existing"');
    const f = readClusterFile(dir)!;
    const added = f.store.members.find((m) => m.name === 'store-4')!;
    started.add(added.pid);
    expect(isAlive(added.pid)).toBe(true);
    expect(f.store.endpoints).toContain(added.clientURL);
    expect((await capstan('member', 'list', '--dir', dir)).stdout).toMatch(/, started, store-4, .*, true$/m);

    const notLearner = await capstan('member', 'promote', 'store-1', '--dir', dir);
    expect(notLearner.code).toBe(1);
    expect(notLearner.stderr).toContain('etcdserver: can only promote a learner member');
    await waitFor(async () => ((await capstan('member', 'promote', 'store-4', '--dir', dir)).code === 0 ? true : undefined), {
      what: 'promotion of store-4',
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    expect((await capstan('member', 'list', '--dir', dir, '-w', 'json')).stdout).toMatch(/"name": "store-4",[^}]*"isLearner": false/);

    const removed = await capstan('member', 'remove', 'store-4', '--dir', dir);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/^Member [0-9a-f]+ removed from cluster\n$/);
    await waitFor(() => (isAlive(added.pid) ? undefined : true), { what: 'store-4 to stop after its removal', timeoutMs: 20_000 });
    expect(readClusterFile(dir)!.store.members.map((m) => m.name)).toEqual(['store-1', 'store-2', 'store-3']);
    const unknown = await capstan('member', 'remove', 'abcdef', '--dir', dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no member named or with ID abcdef');

    const down = await capstan('down', '--dir', dir);
    expect(down.code, down.stderr).toBe(0);
  }, 300_000);
});
