import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { EtcdClient } from '../store/client/index.js';
import { parseInitialCluster } from '../store/membership.js';
import { SnapshotFormatError, SnapshotVerifier } from '../store/snapshot-format.js';
import { restoreDataDir, SnapshotRestoreError } from '../store/snapshot-restore.js';
import { snapshotStatus, type SnapshotStatus } from '../store/snapshot-status.js';
import { parseDurationMs } from '../util/duration.js';
import { CapstanError } from '../util/errors.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

/** PROGRESS_INTERVAL_MS is how often a long save reports the bytes received so far. */
const PROGRESS_INTERVAL_MS = 1000;

/**
 * registerSnapshot adds `capstan snapshot save|status|restore`, etcdctl's and etcdutl's backup commands
 * for the store: save streams a consistent snapshot from one member into a file, status summarises a file,
 * restore builds the data directory of one member of a new cluster from it.
 */
export function registerSnapshot(program: Command, ctx: CliContext): void {
  const snapshot = program.command('snapshot').description('back up the store to a file and restore a new cluster from it');

  snapshot
    .command('save <file>')
    .description('stream a consistent snapshot from one member into <file> (etcdctl snapshot save)')
    .option('--endpoints <urls>', 'comma-separated client URLs; the snapshot comes from the first member that has a leader', 'http://127.0.0.1:2379')
    .option('--dial-timeout <duration>', 'how long to wait for a connection to an endpoint (a duration like 3s or 500ms)', '3s')
    .action(async (file: string, opts: { endpoints: string; dialTimeout: string }) => {
      const endpoints = opts.endpoints
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      const dialTimeoutMs = Math.round(parseDurationMs(opts.dialTimeout) ?? 0);
      if (dialTimeoutMs <= 0) throw new CommandError(`--dial-timeout: ${JSON.stringify(opts.dialTimeout)} is not a positive duration like 3s or 500ms`, 'INVALID_FLAG', 2);
      let client: EtcdClient;
      try {
        client = new EtcdClient({ endpoints, dialTimeoutMs, requestTimeoutMs: dialTimeoutMs + 2000 });
      } catch (err) {
        throw new CommandError(`--endpoints: ${(err as Error).message}`, 'INVALID_FLAG', 2);
      }
      try {
        const endpoint = await chooseEndpoint(client, endpoints, ctx);
        const bytes = await saveSnapshot(client, endpoint, resolve(file), ctx);
        ctx.stderr(`capstan snapshot save: ${bytes} bytes from ${endpoint}\n`);
        ctx.stdout(`Snapshot saved at ${file}\n`);
      } finally {
        client.close();
      }
    });

  snapshot
    .command('status <file>')
    .description('show the hash, revision, total keys and total size of a snapshot file (etcdutl snapshot status)')
    .option('-w, --write-out <format>', 'table, json or simple', 'table')
    .action((file: string, opts: { writeOut: string }) => {
      if (!['table', 'json', 'simple'].includes(opts.writeOut)) throw new CommandError(`--write-out: ${JSON.stringify(opts.writeOut)} is not one of table, json, simple`, 'INVALID_FLAG', 2);
      const st = readStatus(file);
      if (opts.writeOut === 'json') {
        ctx.stdout(`${JSON.stringify({ hash: st.hash, revision: st.revision, totalKey: st.totalKeys, totalSize: st.totalSize, sha256: st.sha256 })}\n`);
      } else if (opts.writeOut === 'simple') {
        ctx.stdout(`${statusRow(st).join(', ')}\n`);
      } else {
        ctx.stdout(borderedTable([['HASH', 'REVISION', 'TOTAL KEYS', 'TOTAL SIZE'], statusRow(st)]));
      }
    });

  snapshot
    .command('restore <file>')
    .description('build the data directory of one member of a new cluster from a snapshot file (etcdutl snapshot restore)')
    .option('--name <name>', 'human-readable name for this member', 'default')
    .option('--data-dir <dir>', 'the data directory to create; must not exist or be empty (default "${name}.etcd")')
    .option('--initial-cluster <members>', 'the new cluster: name=peer-url,… (default "${name}=http://localhost:2380")')
    .option('--initial-cluster-token <token>', 'initial cluster token of the new cluster', 'etcd-cluster')
    .option('--initial-advertise-peer-urls <urls>', "this member's peer URLs, as in --initial-cluster", 'http://localhost:2380')
    .option('--skip-hash-check', 'accept a snapshot whose SHA-256 trailer does not match (its structure must still be whole)')
    .action(
      async (
        file: string,
        opts: { name: string; dataDir?: string; initialCluster?: string; initialClusterToken: string; initialAdvertisePeerUrls: string; skipHashCheck?: boolean },
      ) => {
        const advertised = opts.initialAdvertisePeerUrls
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        let initialCluster: Map<string, string[]>;
        try {
          initialCluster = parseInitialCluster(opts.initialCluster ?? advertised.map((u) => `${opts.name}=${u}`).join(','));
        } catch (err) {
          throw new CommandError((err as Error).message, 'INVALID_FLAG', 2);
        }
        const dataDir = resolve(opts.dataDir ?? `${opts.name}.etcd`);
        const data = readSnapshotFile(file);
        try {
          const plan = await restoreDataDir(data, {
            name: opts.name,
            initialCluster,
            initialClusterToken: opts.initialClusterToken,
            initialAdvertisePeerUrls: advertised,
            dataDir,
            skipHashCheck: opts.skipHashCheck === true,
          });
          ctx.stdout(
            `Restored ${file} to ${dataDir}: member ${opts.name} (ID ${plan.memberId.toString(16)}) of new cluster ${plan.clusterId.toString(16)} with ${plan.members.length} member(s); start it with --initial-cluster-state new\n`,
          );
        } catch (err) {
          if (err instanceof SnapshotFormatError) throw new CommandError(`${file}: ${err.message}`, 'SNAPSHOT_CORRUPT', 1, { cause: err });
          if (err instanceof SnapshotRestoreError) throw new CommandError(err.message, err.code, 1, { cause: err });
          throw err;
        }
      },
    );
}

/**
 * chooseEndpoint returns the first endpoint, in the given order, whose member answers Status, is no learner and
 * knows a leader (alarms do not matter: a member out of space is exactly one to back up). When no member knows a
 * leader — the cluster lost its quorum — it falls back to the first member that answers, with a warning:
 * its data is all that is left, but it may lack the last writes the cluster acknowledged (etcd's recovery
 * from a survivor's data, made a snapshot).
 */
async function chooseEndpoint(client: EtcdClient, endpoints: readonly string[], ctx: CliContext): Promise<string> {
  const reasons: string[] = [];
  let leaderless: string | undefined;
  for (const ep of endpoints) {
    try {
      const st = await client.status(ep);
      // A learner refuses the Snapshot stream, as etcd's do.
      if (st.isLearner) {
        reasons.push(`${ep}: a learner`);
        continue;
      }
      if (st.leader !== 0n) return ep;
      leaderless ??= ep;
      reasons.push(`${ep}: no leader`);
    } catch (err) {
      reasons.push(`${ep}: ${(err as Error).message}`);
    }
  }
  if (leaderless === undefined) throw new CommandError(`no endpoint answered (${reasons.join('; ')})`, 'NO_HEALTHY_ENDPOINT', 1);
  ctx.stderr(`capstan snapshot save: warning: no member has a leader (${reasons.join('; ')}); saving ${leaderless}'s data, which may lack the last acknowledged writes\n`);
  return leaderless;
}

/**
 * saveSnapshot streams the snapshot of endpoint into path.part, verifying the SHA-256 trailer as it goes,
 * fsyncs it and renames it to path (then fsyncs the directory), as etcdctl does; a failed or corrupted save
 * leaves no file behind. Progress goes to stderr once a second (by now()) after the first. Returns the size.
 */
export async function saveSnapshot(client: Pick<EtcdClient, 'snapshot'>, endpoint: string, path: string, ctx: CliContext, now: () => number = Date.now): Promise<number> {
  const part = `${path}.part`;
  const fd = openSync(part, 'w', 0o600);
  const verifier = new SnapshotVerifier();
  let bytes = 0;
  let closed = false;
  let nextReport = now() + PROGRESS_INTERVAL_MS;
  try {
    for await (const chunk of client.snapshot(endpoint)) {
      for (let off = 0; off < chunk.blob.length; ) off += writeSync(fd, chunk.blob, off);
      verifier.update(chunk.blob);
      bytes += chunk.blob.length;
      const at = now();
      if (at >= nextReport) {
        ctx.stderr(`capstan snapshot save: received ${humanBytes(bytes)} (${bytes} bytes) from ${endpoint}, about ${humanBytes(chunk.remainingBytes)} to go\n`);
        nextReport = at + PROGRESS_INTERVAL_MS;
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    verifier.finish();
    renameSync(part, path);
    const dirFd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    return bytes;
  } catch (err) {
    if (!closed) closeSync(fd);
    rmSync(part, { force: true });
    if (err instanceof SnapshotFormatError) throw new CommandError(`the snapshot received from ${endpoint} is not intact: ${err.message}`, 'SNAPSHOT_CORRUPT', 1, { cause: err });
    if (err instanceof CapstanError) throw new CommandError(`snapshot from ${endpoint} failed: ${err.message}`, err.code, 1, { cause: err });
    throw err;
  }
}

function readSnapshotFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CommandError(`cannot read ${file}: ${(err as Error).message}`, 'SNAPSHOT_UNREADABLE', 1, { cause: err });
  }
}

function readStatus(file: string): SnapshotStatus {
  const data = readSnapshotFile(file);
  try {
    return snapshotStatus(data);
  } catch (err) {
    if (err instanceof SnapshotFormatError) throw new CommandError(`${file}: ${err.message}`, 'SNAPSHOT_CORRUPT', 1, { cause: err });
    throw err;
  }
}

function statusRow(st: SnapshotStatus): string[] {
  return [st.hash.toString(16).padStart(8, '0'), String(st.revision), String(st.totalKeys), humanBytes(st.totalSize)];
}

/** humanBytes renders a size as etcdutl does (go-humanize Bytes: SI units, "2.1 MB", "25 kB", "512 B"). */
export function humanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1);
  const v = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[e]}`;
}

/** borderedTable renders rows as etcdctl's tables (tablewriter: bordered, header centred, cells right-aligned like numbers). */
function borderedTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const centre = (s: string, w: number): string => {
    const left = Math.ceil((w - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  };
  const header = `|${rows[0]!.map((c, i) => ` ${centre(c, widths[i]!)} `).join('|')}|\n`;
  const body = rows
    .slice(1)
    .map((r) => `|${r.map((c, i) => ` ${/^\d+$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)} `).join('|')}|\n`)
    .join('');
  return line + header + line + body + line;
}
