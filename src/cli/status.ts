import { resolve } from 'node:path';
import type { Command } from 'commander';
import { toBigInt } from '../store/grpc/types.js';
import { readClusterFile } from './launcher/cluster-file.js';
import { isAlive } from './launcher/processes.js';
import { memberStatus } from './launcher/store-status.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { DEFAULT_DIR } from './up.js';

interface MemberView {
  name: string;
  endpoint: string;
  pid: number;
  running: boolean;
  healthy: boolean;
  id?: string;
  leader?: boolean;
  raftTerm?: number;
  raftIndex?: number;
  appliedIndex?: number;
  dbSize?: number;
  error?: string;
}

/** registerStatus adds `capstan status`: each member with leader, term, applied index, db size and health. */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('show the members of a local cluster started with capstan up')
    .option('--dir <dir>', 'the cluster directory', DEFAULT_DIR)
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { dir: string; output: string }) => {
      const f = readClusterFile(resolve(opts.dir));
      if (f === undefined) throw new CommandError(`no cluster.json in ${resolve(opts.dir)}`, 'NO_CLUSTER', 1);
      const views: MemberView[] = await Promise.all(
        f.store.members.map(async (m): Promise<MemberView> => {
          const v: MemberView = { name: m.name, endpoint: m.clientURL, pid: m.pid, running: isAlive(m.pid), healthy: false };
          if (!v.running) return v;
          try {
            const st = await memberStatus(m.clientURL);
            const id = toBigInt(st.header?.memberId);
            return {
              ...v,
              healthy: st.errors.length === 0 && toBigInt(st.leader) !== 0n,
              id: id.toString(16),
              leader: toBigInt(st.leader) === id,
              raftTerm: Number(st.raftTerm),
              raftIndex: Number(st.raftIndex),
              appliedIndex: Number(st.raftAppliedIndex),
              dbSize: Number(st.dbSize),
              ...(st.errors.length > 0 ? { error: st.errors.join('; ') } : {}),
            };
          } catch (err) {
            return { ...v, error: (err as Error).message };
          }
        }),
      );
      if (opts.output === 'json') {
        ctx.stdout(`${JSON.stringify({ dir: f.dir, store: views }, null, 2)}\n`);
        return;
      }
      const rows = [['NAME', 'ENDPOINT', 'PID', 'ID', 'LEADER', 'TERM', 'APPLIED', 'DB SIZE', 'HEALTH']];
      for (const v of views) {
        rows.push([
          v.name,
          v.endpoint,
          v.running ? String(v.pid) : `${v.pid} (exited)`,
          v.id ?? '-',
          v.leader === undefined ? '-' : v.leader ? '*' : '',
          v.raftTerm === undefined ? '-' : String(v.raftTerm),
          v.appliedIndex === undefined ? '-' : String(v.appliedIndex),
          v.dbSize === undefined ? '-' : String(v.dbSize),
          v.healthy ? 'healthy' : `unhealthy${v.error ? `: ${v.error}` : ''}`,
        ]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) ctx.stdout(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
    });
}
