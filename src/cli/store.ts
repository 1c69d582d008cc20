import { Option, type Command } from 'commander';
import { runStore } from '../store/main.js';
import { ConfigError, STORE_FLAGS, readConfigFile, resolveStoreConfig, type StoreFlagName } from '../store/config.js';
import { systemClock } from '../util/clock.js';
import { createLogger } from '../util/logger.js';
import { cryptoRandom } from '../util/random.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { untilShutdownSignal } from './signals.js';

const flagHelp: Record<StoreFlagName, string> = {
  name: 'human-readable name for this member (default "default")',
  'data-dir': 'path to the data directory (default "${name}.etcd")',
  'listen-client-urls': 'list of URLs to listen on for client traffic (default "http://localhost:2379")',
  'advertise-client-urls': 'list of this member\'s client URLs to advertise to the public',
  'listen-peer-urls': 'list of URLs to listen on for peer traffic (default "http://localhost:2380")',
  'initial-advertise-peer-urls': 'list of this member\'s peer URLs to advertise to the rest of the cluster',
  'initial-cluster': 'initial cluster configuration for bootstrapping, name=url,…',
  'initial-cluster-state': 'initial cluster state ("new" or "existing")',
  'initial-cluster-token': 'initial cluster token for the cluster during bootstrap (default "etcd-cluster")',
  'force-new-cluster': 'force to create a new one member cluster from this member\'s data (disaster recovery)',
  'heartbeat-interval': 'time (in milliseconds) of a heartbeat interval (default 100)',
  'election-timeout': 'time (in milliseconds) for an election to timeout (default 1000)',
  'snapshot-count': 'number of committed transactions to trigger a snapshot (default 100000)',
  'quota-backend-bytes': 'raise alarms when the backend size exceeds the given quota; 0 means 2 GiB',
  'max-request-bytes': 'maximum client request size in bytes the server will accept (default 1572864)',
  'max-txn-ops': 'maximum number of operations permitted in a transaction (default 128)',
  'auto-compaction-mode': 'interpret auto-compaction-retention as "periodic" (a duration) or "revision" (a count)',
  'auto-compaction-retention': 'auto compaction retention; 0 means off (default "0")',
  'log-level': 'debug, info, warn or error (default "info")',
  'listen-metrics-urls': 'list of URLs to also serve /metrics and /health on',
  metrics: 'set level of detail for exported metrics, specify "extensive" to include server side grpc histogram metrics (default "basic")',
  'experimental-watch-progress-notify-interval': 'duration of periodic watch progress notifications (default 10m)',
  'experimental-enable-fault-injection': 'serve /debug/faults/partition (peer partitions) for chaos tests; never on a production member',
  'experimental-unsafe-local-linearizable-reads': 'TEST ONLY, UNSAFE: serve linearizable reads locally without ReadIndex (a deliberate bug)',
};

/** BOOL_FLAGS may be given without a value (meaning true), as etcd's boolean flags may. */
const BOOL_FLAGS: ReadonlySet<StoreFlagName> = new Set(['force-new-cluster', 'experimental-enable-fault-injection', 'experimental-unsafe-local-linearizable-reads']);
/** HIDDEN_FLAGS work but stay out of --help: deliberate bugs for tests. */
const HIDDEN_FLAGS: ReadonlySet<StoreFlagName> = new Set(['experimental-unsafe-local-linearizable-reads']);

/**
 * registerStore adds `capstan store`: one etcd-compatible store member, configured with etcd's flag names
 * (or an etcd-style YAML --config-file). It runs until SIGINT or SIGTERM, then stops cleanly.
 */
export function registerStore(program: Command, ctx: CliContext): void {
  const cmd = program.command('store').description('run one member of the etcd-compatible Raft store');
  for (const f of STORE_FLAGS) {
    const o = new Option(BOOL_FLAGS.has(f) ? `--${f} [value]` : `--${f} <value>`, flagHelp[f]);
    cmd.addOption(HIDDEN_FLAGS.has(f) ? o.hideHelp() : o);
  }
  cmd.option('--config-file <path>', 'path to an etcd-style YAML configuration file (flags override it)');
  cmd.action(async (opts: Record<string, string | true | undefined>) => {
    let cfg;
    try {
      const configFile = opts['configFile'];
      const fromFile = typeof configFile === 'string' ? readConfigFile(configFile) : {};
      const flags: Partial<Record<StoreFlagName, string>> = { ...fromFile };
      for (const f of STORE_FLAGS) {
        const v = opts[camel(f)];
        if (v !== undefined) flags[f] = v === true ? 'true' : v;
      }
      cfg = resolveStoreConfig(flags);
    } catch (err) {
      if (err instanceof ConfigError) throw new CommandError(err.message, 'INVALID_CONFIG', 2);
      throw err;
    }
    const log = createLogger({ level: cfg.logLevel, name: cfg.name });
    let running;
    try {
      running = await runStore(cfg, { clock: systemClock, random: cryptoRandom, log });
    } catch (err) {
      log.fatal({ err }, 'store: failed to start');
      throw new CommandError(`failed to start: ${(err as Error).message}`, 'START_FAILED', 1);
    }
    ctx.stderr(`capstan store ${cfg.name}: serving ${cfg.advertiseClientUrls.join(',')}\n`);
    const why = await Promise.race([
      untilShutdownSignal(log, 'store'),
      running.server.removedFromCluster.then(() => 'removed' as const),
      running.server.failed.then(() => 'failed' as const),
    ]);
    await running.stop();
    log.flush();
    if (why === 'failed') {
      // etcd panics: the process ends, and whoever supervises it restarts it once the disk is fixed.
      const err = await running.server.failed;
      throw new CommandError(`stopped after a failed disk write: ${err instanceof Error ? err.message : String(err)}`, 'STORE_FAILED', 1);
    }
    if (why === 'removed') {
      // etcd exits too: a removed member can never serve again, and its data directory must go.
      ctx.stderr(`capstan store ${cfg.name}: the member has been permanently removed from the cluster; the data-dir used by this member must be removed\n`);
    }
  });
}


function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
