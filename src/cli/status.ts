import { resolve } from 'node:path';
import type { Command } from 'commander';
import { toBigInt } from '../store/grpc/types.js';
import { readClusterFile, type ClusterFile } from './launcher/cluster-file.js';
import { isAlive } from './launcher/processes.js';
import { memberStatus } from './launcher/store-status.js';
import { componentsView, type ComponentsView, type LeaseView, type ReplicaView } from './launcher/component-status.js';
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

/**
 * registerStatus adds `capstan status`: each store member with leader, term, applied index, db size and health;
 * the API server replicas and LB with readiness; which scheduler and controller-manager replica holds its
 * Lease and since when; and each hollow node's readiness.
 */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('show every process of a local cluster started with capstan up')
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
      const control = f.apiserver === undefined ? undefined : await controlPlaneViews(f.apiserver);
      const components = f.components === undefined || f.kubeconfig === undefined ? undefined : await componentsView(f.components, f.kubeconfig);
      if (opts.output === 'json') {
        ctx.stdout(
          `${JSON.stringify(
            {
              dir: f.dir,
              store: views,
              ...(control === undefined ? {} : { apiserver: { url: f.apiserver!.url, kubeconfig: f.kubeconfig, processes: control } }),
              ...(components === undefined ? {} : { components }),
            },
            null,
            2,
          )}\n`,
        );
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
      printTable(ctx, rows);
      if (control !== undefined) {
        ctx.stdout(`\napiserver: ${f.apiserver!.url} (kubeconfig ${f.kubeconfig ?? '-'})\n`);
        printTable(ctx, [['NAME', 'URL', 'PID', 'READY'], ...control.map((c) => [c.name, c.url, c.running ? String(c.pid) : `${c.pid} (exited)`, c.ready ? 'ready' : `not ready${c.error === undefined ? '' : `: ${c.error}`}`])]);
      }
      if (components !== undefined) printComponents(ctx, components);
    });
}

function printComponents(ctx: CliContext, c: ComponentsView): void {
  const leaseLine = (what: string, l: LeaseView | undefined): string =>
    l === undefined
      ? `${what}: no Lease yet`
      : `${what}: Lease kube-system/${l.name} held by ${l.holder === '' ? '(nobody)' : (l.holderName ?? l.holder)}${l.acquireTime === undefined ? '' : ` since ${l.acquireTime}`}, ${l.transitions} transition(s)`;
  const replicaRow = (r: ReplicaView): string[] => [
    r.name,
    r.running ? String(r.pid) : `${r.pid} (exited)`,
    r.running ? (r.leading ? 'leader' : 'standby') : '-',
    r.leadingSince ?? '-',
    r.healthy ? 'healthy' : `unhealthy${r.error === undefined ? '' : `: ${r.error}`}`,
  ];
  for (const [what, group] of [['scheduler', c.schedulers], ['controller-manager', c.controllerManagers]] as const) {
    if (group.replicas.length === 0) continue;
    ctx.stdout(`\n${leaseLine(what, group.lease)}\n`);
    printTable(ctx, [['NAME', 'PID', 'ROLE', 'LEADING SINCE', 'HEALTH'], ...group.replicas.map(replicaRow)]);
  }
  if (c.nodes.length > 0) {
    ctx.stdout('\nnodes:\n');
    printTable(ctx, [['NAME', 'NODE', 'PID', 'READY', 'HEALTH'], ...c.nodes.map((n) => [n.name, n.node, n.running ? String(n.pid) : `${n.pid} (exited)`, n.ready, n.healthy ? 'healthy' : `unhealthy${n.error === undefined ? '' : `: ${n.error}`}`])]);
  }
}

function printTable(ctx: CliContext, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) ctx.stdout(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

interface ProcessView {
  name: string;
  url: string;
  pid: number;
  running: boolean;
  ready: boolean;
  error?: string;
}

/** controlPlaneViews asks each API server replica (on its loopback port) and the LB (admin port) for /readyz. */
async function controlPlaneViews(cp: NonNullable<ClusterFile['apiserver']>): Promise<ProcessView[]> {
  const probes = [
    { name: cp.lb.name, url: `https://${cp.lb.listen}`, pid: cp.lb.pid, readyz: `${cp.lb.adminURL}/readyz` },
    ...cp.replicas.map((r) => ({ name: r.name, url: r.url, pid: r.pid, readyz: `${r.insecureURL}/readyz` })),
  ];
  return Promise.all(
    probes.map(async (p): Promise<ProcessView> => {
      const v: ProcessView = { name: p.name, url: p.url, pid: p.pid, running: isAlive(p.pid), ready: false };
      if (!v.running) return v;
      try {
        const res = await fetch(p.readyz, { signal: AbortSignal.timeout(2000) });
        return res.status === 200 ? { ...v, ready: true } : { ...v, error: `HTTP ${res.status}` };
      } catch (err) {
        return { ...v, error: (err as Error).message };
      }
    }),
  );
}
