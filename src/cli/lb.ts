import type { Command } from 'commander';
import { LB_DEFAULTS, formatHostPort, resolveLbConfig, type LbConfig, type LbFlags } from '../lb/config.js';
import { LbConfigError, LbListenError } from '../lb/errors.js';
import { startLoadBalancer } from '../lb/load-balancer.js';
import { systemClock } from '../util/clock.js';
import { createLogger } from '../util/logger.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { untilShutdownSignal } from './signals.js';

/**
 * registerLb adds `capstan lb`: the embedded TCP load balancer in front of the API server replicas, with
 * HTTP(S) health checks of each replica's /readyz (haproxy in production; see deploy/haproxy.cfg). It runs
 * until SIGINT or SIGTERM, then closes its listeners and connections.
 */
export function registerLb(program: Command, ctx: CliContext): void {
  program
    .command('lb')
    .description('run the embedded TCP load balancer in front of the API servers (health-checked, TLS passthrough)')
    .option('--listen <host:port>', `address clients connect to (default "${LB_DEFAULTS.listen}")`)
    .option('--backends <host:port,...>', 'API server replicas to balance over (required)')
    .option('--health-path <path>', `path each health check GETs; 2xx/3xx passes (default "${LB_DEFAULTS.healthPath}")`)
    .option('--health-scheme <scheme>', `https (certificate not verified) or http (default "${LB_DEFAULTS.healthScheme}")`)
    .option('--health-interval <duration>', `pause between checks of one backend (default ${LB_DEFAULTS.healthInterval})`)
    .option('--health-timeout <duration>', `timeout of one check (default ${LB_DEFAULTS.healthTimeout})`)
    .option('--connect-timeout <duration>', `timeout of a connect to a backend before another is tried (default ${LB_DEFAULTS.connectTimeout})`)
    .option('--rise <n>', `consecutive passed checks that bring a backend up (default ${LB_DEFAULTS.rise})`)
    .option('--fall <n>', `consecutive failed checks that take it down; a refused connection does at once (default ${LB_DEFAULTS.fall})`)
    .option('--balance <algorithm>', `roundrobin or leastconn (default "${LB_DEFAULTS.balance}")`)
    .option('--admin-listen <host:port>', 'serve /healthz, /readyz, /metrics and /backends over plain HTTP here')
    .option('--log-level <level>', `debug, info, warn or error (default "${LB_DEFAULTS.logLevel}")`)
    .action(async (opts: LbFlags) => {
      let cfg: LbConfig;
      try {
        cfg = resolveLbConfig(opts);
      } catch (err) {
        if (err instanceof LbConfigError) throw new CommandError(err.message, 'INVALID_CONFIG', 2, { cause: err });
        throw err;
      }
      const log = createLogger({ level: cfg.logLevel, name: 'lb' });
      let running;
      try {
        running = await startLoadBalancer(cfg, { clock: systemClock, log });
      } catch (err) {
        if (err instanceof LbListenError) {
          log.fatal({ err }, 'lb: failed to start');
          throw new CommandError(err.message, 'START_FAILED', 1, { cause: err });
        }
        throw err;
      }
      const admin = running.adminAddress === undefined ? '' : `, admin on http://${formatHostPort(running.adminAddress)}`;
      ctx.stderr(`capstan lb: listening on ${formatHostPort(running.address)}, balancing ${cfg.backends.map(formatHostPort).join(',')}${admin}\n`);
      await untilShutdownSignal(log, 'lb');
      await running.stop();
      log.flush();
    });
}
