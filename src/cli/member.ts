import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EtcdClient, type ClusterMember } from '../store/client/index.js';
import { CapstanError } from '../util/errors.js';
import { readClusterFile, writeClusterFile, type ClusterFile, type MemberRecord } from './launcher/cluster-file.js';
import { spawnStoreMember } from './launcher/control-plane.js';
import { freePort, waitHealthy } from './launcher/processes.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

interface CommonOptions {
  endpoints?: string;
  dir?: string;
}

/**
 * registerMember adds `capstan member list|add|remove|promote`, etcdctl's member commands: against
 * --endpoints, or against the cluster `capstan up` started in --dir. With --dir, add can also start the new
 * member (--start) and record it in cluster.json, and remove forgets the removed member there.
 */
export function registerMember(program: Command, ctx: CliContext): void {
  const member = program.command('member').description('list, add, remove and promote store members (etcdctl member)');
  const common = (c: Command): Command =>
    c
      .option('--endpoints <urls>', 'comma-separated client URLs (default: those of --dir, else http://127.0.0.1:2379)')
      .option('--dir <dir>', 'the directory of a cluster started with capstan up');

  common(member.command('list').description('list the members (etcdctl member list)'))
    .option('-w, --write-out <format>', 'simple, table or json', 'simple')
    .action(async (opts: CommonOptions & { writeOut: string }) => {
      if (!['simple', 'table', 'json'].includes(opts.writeOut)) throw new CommandError(`--write-out: ${JSON.stringify(opts.writeOut)} is not one of simple, table, json`, 'INVALID_FLAG', 2);
      await withClient(opts, async (client) => {
        const members = await client.memberList();
        ctx.stdout(formatMembers(members, opts.writeOut));
      });
    });

  common(member.command('add <name>').description('add a member, voter or --learner; prints the ETCD_* settings to start it with (etcdctl member add)'))
    .option('--peer-urls <urls>', 'comma-separated peer URLs of the new member (with --dir: a free loopback port by default)')
    .option('--learner', 'add the member as a learner, to promote once it caught up')
    .option('--start', 'with --dir: start the new member and record it in cluster.json')
    .action(async (name: string, opts: CommonOptions & { peerUrls?: string; learner?: boolean; start?: boolean }) => {
      const file = opts.dir === undefined ? undefined : clusterFile(opts.dir);
      if (opts.start === true && file === undefined) throw new CommandError('--start needs --dir, the directory of a cluster started with capstan up', 'INVALID_FLAG', 2);
      if (file !== undefined && file.store.members.some((m) => m.name === name)) throw new CommandError(`${file.dir} already has a member named ${name}`, 'INVALID_FLAG', 2);
      let peerURLs = splitList(opts.peerUrls ?? '');
      if (peerURLs.length === 0) {
        if (file === undefined) throw new CommandError('--peer-urls is required (or --dir, to pick a free port)', 'INVALID_FLAG', 2);
        peerURLs = [`http://127.0.0.1:${await freePort()}`];
      }
      await withClient(opts, async (client) => {
        const { clusterId, member: added, members } = await client.memberAdd(peerURLs, opts.learner === true);
        const initial = members.flatMap((m) => {
          const n = m.id === added.id ? name : m.name;
          return n === '' ? [] : m.peerURLs.map((u) => `${n}=${u}`);
        });
        ctx.stdout(
          `Member ${hex16(added.id)} added to cluster ${hex16(clusterId)}\n\n` +
            `ETCD_NAME="${name}"\n` +
            `ETCD_INITIAL_CLUSTER="${initial.join(',')}"\n` +
            `ETCD_INITIAL_ADVERTISE_PEER_URLS="${peerURLs.join(',')}"\n` +
            `ETCD_INITIAL_CLUSTER_STATE="existing"\n`,
        );
        if (opts.start === true && file !== undefined) await startAdded(ctx, file, name, peerURLs[0]!, members, added);
      });
    });

  common(member.command('remove <member>').description('remove a member, by hexadecimal ID or name (etcdctl member remove)')).action(async (which: string, opts: CommonOptions) => {
    await withClient(opts, async (client) => {
      const target = resolveMember(await client.memberList(), which);
      await client.memberRemove(target.id);
      ctx.stdout(`Member ${hex(target.id)} removed from cluster\n`);
      if (opts.dir !== undefined) {
        const file = clusterFile(opts.dir);
        const name = target.name !== '' ? target.name : which;
        file.store.members = file.store.members.filter((m) => m.name !== name);
        file.store.endpoints = file.store.members.map((m) => m.clientURL);
        writeClusterFile(file.dir, file);
      }
    });
  });

  common(member.command('promote <member>').description('promote a learner that caught up to a voter, by hexadecimal ID or name (etcdctl member promote)')).action(
    async (which: string, opts: CommonOptions) => {
      await withClient(opts, async (client) => {
        const target = resolveMember(await client.memberList(), which);
        await client.memberPromote(target.id);
        ctx.stdout(`Member ${hex(target.id)} promoted in cluster\n`);
      });
    },
  );
}

function hex(id: bigint): string {
  return id.toString(16);
}

/** hex16 prints an ID as etcdctl's `%16x`: hexadecimal, padded with spaces to 16 characters. */
function hex16(id: bigint): string {
  return hex(id).padStart(16, ' ');
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

function clusterFile(dir: string): ClusterFile {
  const f = readClusterFile(resolve(dir));
  if (f === undefined) throw new CommandError(`no cluster.json in ${resolve(dir)} (start a cluster with capstan up)`, 'NO_CLUSTER', 1);
  return f;
}

async function withClient(opts: CommonOptions, fn: (client: EtcdClient) => Promise<void>): Promise<void> {
  const endpoints =
    opts.endpoints !== undefined ? splitList(opts.endpoints) : opts.dir !== undefined ? clusterFile(opts.dir).store.endpoints : ['http://127.0.0.1:2379'];
  let client: EtcdClient;
  try {
    client = new EtcdClient({ endpoints, dialTimeoutMs: 3_000, requestTimeoutMs: 30_000 });
  } catch (err) {
    throw new CommandError(`--endpoints: ${(err as Error).message}`, 'INVALID_FLAG', 2);
  }
  try {
    await fn(client);
  } catch (err) {
    // etcd's refusals (member not found, not a learner, not in sync …) are the user's answer, not a crash.
    if (err instanceof CapstanError) throw new CommandError(err.message, err.code, 1);
    throw err;
  } finally {
    client.close();
  }
}

/** resolveMember finds a member by hexadecimal ID or by name. */
function resolveMember(members: readonly ClusterMember[], which: string): ClusterMember {
  const byName = members.filter((m) => m.name === which);
  if (byName.length === 1) return byName[0]!;
  if (/^[0-9a-fA-F]{1,16}$/.test(which)) {
    const id = BigInt(`0x${which}`);
    const m = members.find((x) => x.id === id);
    if (m !== undefined) return m;
  }
  throw new CommandError(`no member named or with ID ${which} (see capstan member list)`, 'MEMBER_NOT_FOUND', 1);
}

/** formatMembers renders members as etcdctl does: simple lines, a table, or JSON. */
function formatMembers(members: readonly ClusterMember[], format: string): string {
  const rows = members.map((m) => [hex(m.id), m.name === '' ? 'unstarted' : 'started', m.name, m.peerURLs.join(','), m.clientURLs.join(','), String(m.isLearner)]);
  if (format === 'json') {
    return `${JSON.stringify({ members: members.map((m) => ({ ID: hex(m.id), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner })) }, null, 2)}\n`;
  }
  if (format === 'simple') return rows.map((r) => `${r.join(', ')}\n`).join('');
  const head = ['ID', 'STATUS', 'NAME', 'PEER ADDRS', 'CLIENT ADDRS', 'IS LEARNER'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const row = (cells: string[]): string => `|${cells.map((c, i) => ` ${c.padStart(widths[i]!)} `).join('|')}|\n`;
  return line + row(head) + line + rows.map(row).join('') + line;
}

/**
 * startAdded starts the member just added to a `capstan up` cluster (--initial-cluster-state existing, with
 * every member the cluster lists), waits until it is healthy and records it in cluster.json.
 */
async function startAdded(ctx: CliContext, file: ClusterFile, name: string, peerURL: string, members: readonly ClusterMember[], added: ClusterMember): Promise<void> {
  const record: MemberRecord = {
    name,
    clientURL: `http://127.0.0.1:${await freePort()}`,
    peerURL,
    dataDir: join(file.dir, name),
    log: join(file.dir, `${name}.log`),
    pid: 0,
  };
  const peers: MemberRecord[] = members.flatMap((m) => {
    if (m.id === added.id) return [record];
    const known = file.store.members.find((r) => r.name === m.name);
    return known === undefined ? [] : [known];
  });
  ctx.stderr(`starting store member ${name} (${record.clientURL}) ... `);
  spawnStoreMember(record, peers, file.store.clusterToken, file.store.extraFlags, 'existing');
  ctx.stderr(`pid ${record.pid}\n`);
  file.store.members.push(record);
  file.store.endpoints = file.store.members.map((m) => m.clientURL);
  writeClusterFile(file.dir, file);
  ctx.stderr(`waiting for ${name} to be healthy ... `);
  try {
    await waitHealthy(record.clientURL, 60_000, record.pid);
  } catch (err) {
    throw new CommandError(`${name} did not become healthy: ${(err as Error).message}; its log is ${record.log}`, 'START_FAILED', 1);
  }
  ctx.stderr('ok\n');
}
