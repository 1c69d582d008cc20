import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FaultKind } from '../../src/chaos/nemesis-schedule.js';
import { planForSeed } from '../../src/cli/chaos-run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** chaosRun runs `capstan chaos run` (which starts and stops a cluster of its own) and returns how it ended. */
async function chaosRun(...args: string[]): Promise<Outcome> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'chaos', 'run', ...args], { cwd: root, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const RUN_MS = 16_000;
const base = Math.floor(Math.random() * 1_000_000);

/** seedsCovering picks three seeds from base on whose schedules, together, every fault kind appears. */
function seedsCovering(from: number): number[] {
  for (let s = from; ; s++) {
    const seeds = [s, s + 1, s + 2];
    const kinds = new Set<FaultKind>(seeds.flatMap((x) => planForSeed(x, RUN_MS, FAULT_KINDS, 3).map((step) => step.kind)));
    if (kinds.size === FAULT_KINDS.length) return seeds;
  }
}

describe('capstan chaos run (real processes)', () => {
  const seeds = seedsCovering(base);

  it.each(seeds)('every check passes under kill, pause and partition (seed %i)', async (seed) => {
    const out = await chaosRun('--duration', `${RUN_MS / 1000}s`, '--faults', 'kill,pause,partition', '--clients', '6', '--keys', '6', '--seed', String(seed));
    const where = `seed ${seed} (replay: capstan chaos run --duration ${RUN_MS / 1000}s --seed ${seed})\n${out.stdout}\n${out.stderr}`;
    expect(out.code, where).toBe(0);
    expect(out.stdout, where).toContain(`verdict: OK (seed ${seed})`);
    const ops = Number(/operations: (\d+)/.exec(out.stdout)?.[1]);
    expect(ops, where).toBeGreaterThan(200);
    expect(out.stdout, where).toMatch(/replicas: HashKV agrees on 3 members/);
    const planned = planForSeed(seed, RUN_MS, FAULT_KINDS, 3);
    for (const step of planned) expect(out.stderr, where).toMatch(step.kind === 'kill' ? /fault: killed/ : step.kind === 'pause' ? /fault: paused/ : /fault: partitioned/);
    process.stdout.write(`chaos run seed ${seed}: ${out.stdout.split('\n').slice(0, 3).join(' | ')}\n`);
  }, 90_000);

  it('finds the deliberate bug: linearizable reads served locally on a partitioned old leader are stale', async () => {
    // A seed whose first fault isolates the leader for 5 s, with clients still bound to it (4 of 12): the majority
    // elects a new leader and writes on, while the old one answers reads from what it had.
    let seed = base;
    for (;;) {
      const first = planForSeed(seed, 10_000, ['partition'], 3, 5000)[0];
      if (first !== undefined && 'leader' in first.target && first.variant === 'isolate') break;
      seed++;
    }
    const out = await chaosRun('--duration', '10s', '--hold', '5s', '--clients', '12', '--keys', '4', '--faults', 'partition', '--seed', String(seed), '--experimental-unsafe-local-linearizable-reads');
    const where = `seed ${seed}\n${out.stdout}\n${out.stderr}`;
    expect(out.code, where).toBe(1);
    expect(out.stdout, where).toContain(`verdict: FAIL (seed ${seed})`);
    expect(out.stdout, where).toContain('smallest non-linearizable sub-history found:');
    expect(out.stderr, where).toContain('chaos run failed');
    expect(out.stderr, where).toMatch(/fault: partitioned the store: store-\d \| .* \(leader store-\d at term \d+ in the minority\)/);
    // The temporary cluster is kept for a failed run: its directory is named so that it can be removed.
    const kept = /cluster data and logs kept in (\S+)/.exec(out.stderr)?.[1];
    expect(kept, where).toBeDefined();
    const { rmSync } = await import('node:fs');
    rmSync(kept!, { recursive: true, force: true });
    // With the bug some seeds also leave a watcher short of the end, and the run waits out its 30 s settle time.
  }, 130_000);
});
