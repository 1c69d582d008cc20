/**
 * runComponent is the process shell every component shares (scheduler, controller-manager, node agents): it
 * builds the API client from the kubeconfig, serves the health and metrics port, and runs the component's work
 * — at once when leader election is off, otherwise each time this replica acquires its Lease. A term ends when
 * the elector stops leading (renew deadline missed, or the Lease taken): the work's signal aborts at that moment,
 * so it stops acting at once, and once its workers have returned the replica contends again as a standby
 * (client-go components exit instead and rely on a supervisor to restart them; capstan's local cluster has
 * none, so the process re-joins the election itself). On shutdown the work stops first, then the Lease is
 * released so a standby takes over within one retry period.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import { loadKubeconfig, type RestConfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest-client.js';
import { LeaderElector } from '../leaderelection/leader-elector.js';
import { restLeaseClient } from '../leaderelection/lease-client.js';
import type { ComponentFlags } from './component-flags.js';
import { ComponentServer, type HealthCheck } from './component-server.js';
import type { ComponentContext, Controller } from './controller.js';
import { InformerFactory } from './informer-factory.js';
import { Journal } from './journal.js';

/** ComponentOptions describe one component process. */
export interface ComponentOptions {
  /** component names the process in logs, metrics and /leaderz (e.g. `scheduler`). */
  readonly component: string;
  readonly flags: ComponentFlags;
  /** work is what the process does while it leads (or always, without leader election). */
  readonly work: Controller;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** shutdown aborts when the process must stop (SIGINT/SIGTERM). */
  readonly shutdown: AbortSignal;
  /** ready reports extra readiness (e.g. informers synced); default always ready. */
  readonly ready?: () => boolean;
  /** checks are extra /healthz checks. */
  readonly checks?: readonly HealthCheck[];
  /** informerResyncMs is the shared informers' resync period; default 0 (never). */
  readonly informerResyncMs?: number;
  /** onListening is told the bound health port once it is open. */
  onListening?(port: number): void;
  /** metrics is the registry to serve; default a fresh one with the process's default metrics. */
  readonly metrics?: Registry;
}

/** restConfigFrom builds the API client's configuration from --kubeconfig and --master. */
export function restConfigFrom(flags: Pick<ComponentFlags, 'kubeconfig' | 'master'>): RestConfig {
  const base: RestConfig = flags.kubeconfig === undefined ? { server: flags.master! } : loadKubeconfig(flags.kubeconfig);
  return flags.master === undefined ? base : { ...base, server: flags.master };
}

function waitAborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * HEARTBEAT_CONNECTIONS bounds the heartbeat client's connections: one for a leader election, and enough for the
 * Lease renewals of a thousand hollow nodes in flight at once (see the node agents' leaseWorkers).
 */
const HEARTBEAT_CONNECTIONS = 64;

/** runComponent runs the component until opts.shutdown aborts; see the module comment. */
export async function runComponent(opts: ComponentOptions): Promise<void> {
  const { flags, clock, random, component } = opts;
  const log = opts.log.child({ component });
  const metrics = opts.metrics ?? new Registry();
  if (opts.metrics === undefined) collectDefaultMetrics({ register: metrics });
  const masterStatus = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.', labelNames: ['name'], registers: [metrics] });
  const config = restConfigFrom(flags);
  const client = new RestClient({ config, clock, random, logger: log.child({ component: 'rest-client' }), userAgent: `capstan-${component}/${flags.identity}` });
  // Lease renewals (leader election, node heartbeats) on connections of their own: behind a busy leader's own
  // queue of requests (a ReplicaSet's burst of 500 deletes per worker), a renewal could miss its deadline.
  const heartbeatClient = new RestClient({
    config,
    clock,
    random,
    logger: log.child({ component: 'rest-client', client: 'heartbeat' }),
    userAgent: `capstan-${component}/${flags.identity} heartbeat`,
    maxConnections: HEARTBEAT_CONNECTIONS,
  });
  const journal = new Journal(log, clock, flags.identity);

  let elector: LeaderElector | undefined;
  let leading = !flags.leaderElect;
  let leadingSince: number | null = leading ? clock.now() : null;
  let terms = 0;
  const server = new ComponentServer({
    host: flags.bindAddress,
    port: flags.port,
    metrics,
    log,
    checks: () => [
      ...(opts.checks ?? []),
      { name: 'leaderElection', check: () => elector?.healthz()?.message },
    ],
    ready: () => opts.ready?.() ?? true,
    leader: () => ({
      component,
      identity: flags.identity,
      leaderElection: flags.leaderElect,
      leading,
      leader: flags.leaderElect ? (elector?.leader() ?? '') : flags.identity,
      leadingSince: leadingSince === null ? null : new Date(leadingSince).toISOString(),
      terms,
    }),
    journal: () => journal.entries(),
  });
  const port = await server.listen();
  log.info({ port, bindAddress: flags.bindAddress, identity: flags.identity, leaderElect: flags.leaderElect, server: client.server }, 'serving health and metrics');
  opts.onListening?.(port);

  /** term runs the work once, until signal aborts, with a fresh informer factory. */
  const term = async (signal: AbortSignal): Promise<void> => {
    terms += 1;
    // The term's requests still waiting for a connection when it ends are dropped: none goes out after it.
    const termClient = client.boundTo(signal);
    const informers = new InformerFactory({ client: termClient, clock, random, log, ...(opts.informerResyncMs === undefined ? {} : { resyncPeriodMs: opts.informerResyncMs }) });
    const ctx: ComponentContext = { client: termClient, heartbeatClient: heartbeatClient.boundTo(signal), informers, clock, random, log, metrics, identity: flags.identity, journal };
    try {
      await opts.work.run(ctx, signal);
    } catch (err) {
      if (!signal.aborted) log.error({ err }, 'work failed');
    } finally {
      await informers.stop();
    }
  };

  try {
    if (!flags.leaderElect) {
      await term(opts.shutdown);
      return;
    }
    while (!opts.shutdown.aborted) {
      const stopped = new AbortController();
      const work = new AbortController();
      let running: Promise<void> | undefined;
      const e = new LeaderElector({
        client: restLeaseClient(heartbeatClient),
        name: flags.leaseName,
        namespace: flags.leaseNamespace,
        identity: flags.identity,
        leaseDurationMs: flags.leaseDurationMs,
        renewDeadlineMs: flags.renewDeadlineMs,
        retryPeriodMs: flags.retryPeriodMs,
        clock,
        random,
        logger: log,
        callbacks: {
          onStartedLeading: (signal) => {
            leading = true;
            leadingSince = clock.now();
            masterStatus.set({ name: flags.leaseName }, 1);
            log.info({ lease: flags.leaseName, identity: flags.identity, at: leadingSince, term: terms + 1 }, 'started leading');
            signal.addEventListener('abort', () => work.abort(), { once: true });
            running = term(work.signal);
          },
          onStoppedLeading: () => {
            work.abort();
            leading = false;
            leadingSince = null;
            masterStatus.set({ name: flags.leaseName }, 0);
            log.info({ lease: flags.leaseName, identity: flags.identity, at: clock.now() }, 'stopped leading');
            stopped.abort();
          },
          onNewLeader: (identity) => log.info({ lease: flags.leaseName, leader: identity }, 'new leader observed'),
        },
      });
      elector = e;
      masterStatus.set({ name: flags.leaseName }, 0);
      e.start();
      await Promise.race([waitAborted(stopped.signal), waitAborted(opts.shutdown)]);
      work.abort();
      await running;
      if (opts.shutdown.aborted) await e.stop();
    }
  } finally {
    client.close();
    heartbeatClient.close();
    await server.stop();
  }
}
