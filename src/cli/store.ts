import type { Command } from 'commander';
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
  'experimental-watch-progress-notify-interval': 'duration of periodic watch progress notifications (default 10m)',
};

/**
 * registerStore adds `capstan store`: one etcd-compatible store member, configured with etcd's flag names
 * (or an etcd-style YAML --config-file). It runs until SIGINT or SIGTERM, then stops cleanly.
 */
export function registerStore(program: Command, ctx: CliContext): void {
  const cmd = program.command('store').description('run one member of the etcd-compatible Raft store');
  // Boolean flags take an optional value, as etcd's do: `--force-new-cluster` or `--force-new-cluster=true`.
  for (const f of STORE_FLAGS) cmd.option(BOOLEAN_FLAGS.has(f) ? `--${f} [bool]` : `--${f} <value>`, flagHelp[f]);
  cmd.option('--config-file <path>', 'path to an etcd-style YAML configuration file (flags override it)');
  cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
    let cfg;
    try {
      const file = opts['configFile'];
      const fromFile = typeof file === 'string' ? readConfigFile(file) : {};
      const flags: Partial<Record<StoreFlagName, string>> = { ...fromFile };
      for (const f of STORE_FLAGS) {
        const v = opts[camel(f)];
        if (v !== undefined) flags[f] = String(v);
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
    const why = await Promise.race([untilShutdownSignal(log, 'store'), running.server.removedFromCluster.then(() => 'removed' as const)]);
    await running.stop();
    log.flush();
    if (why === 'removed') {
      // etcd exits too: a removed member can never serve again, and its data directory must go.
      ctx.stderr(`capstan store ${cfg.name}: the member has been permanently removed from the cluster; the data-dir used by this member must be removed\n`);
    }
  });
}

/** BOOLEAN_FLAGS are the flags that need no value. */
const BOOLEAN_FLAGS = new Set<StoreFlagName>(['force-new-cluster']);

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
