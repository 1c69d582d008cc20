import * as http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import type { StoreConfig } from './config.js';
import { authService } from './grpc/auth-service.js';
import { healthService, healthServiceDefinition } from './grpc/health-service.js';
import { clusterService } from './grpc/cluster-service.js';
import { withFastKvCodec, withFastWatchCodec } from './grpc/kv-codec.js';
import { kvService } from './grpc/kv-service.js';
import { leaseService } from './grpc/lease-service.js';
import { maintenanceService } from './grpc/maintenance-service.js';
import { loadProtos } from './grpc/proto.js';
import { GRPC_OVERHEAD_BYTES, watchService } from './grpc/watch-service.js';
import { UnaryFastPath } from './grpc/unary-fast-path.js';
import { onHttp2Servers, widenReceiveWindows } from './grpc/http2-servers.js';
import { ClientListener } from './listener.js';
import { withEtcdUnaryInterceptors } from './grpc/unary-interceptors.js';
import { initSeries, withByteCounts } from './grpc/rpc-metrics.js';
import { streamInterceptor } from './grpc/stream-interceptor.js';
import { LeaderMonitor, type CallRulesHost } from './grpc/call-rules.js';
import { createStoreMetrics, type StoreMetrics } from './metrics.js';
import { FAULT_PARTITION_PATH, handlePartitionRequest } from './fault-endpoint.js';
import type { Logger } from '../util/logger.js';
import { CLUSTER_VERSION, STORE_VERSION, StoreServer } from './server.js';
import { NONE } from '../raft/index.js';
import { LISTEN_BACKLOG } from '../util/listen.js';

/** GRACEFUL_SHUTDOWN_MS bounds how long a stopping member lets its answered calls drain before it resets the rest. */
const GRACEFUL_SHUTDOWN_MS = 2_000;

/** RunningStore is a started `capstan store`: its server, the ports it listens on, and how to stop it. */
export interface RunningStore {
  server: StoreServer;
  clientPorts: number[];
  stop(): Promise<void>;
}


/**
 * runStore starts one store member: the server, the gRPC services and the HTTP endpoints (/health,
 * /healthz, /readyz, /livez, /metrics, /version) on every client URL, and /metrics and /health on the
 * metrics URLs.
 */
export async function runStore(cfg: StoreConfig, deps: { clock: Clock; random: Random; log: Logger }): Promise<RunningStore> {
  const metrics = createStoreMetrics({ extensive: cfg.metrics === 'extensive' });
  const server = await StoreServer.start(cfg, { ...deps, metrics });
  const protos = loadProtos();
  // etcd's interceptor rules (call-rules.ts). The deliberate bug of --experimental-unsafe-local-linearizable-reads
  // also answers unary calls without a leader; streams keep the real rules.
  const member: CallRulesHost = { hasLeader: () => server.hasLeader(), isLearner: () => server.isLearner() };
  const unaryHost: CallRulesHost = cfg.experimentalUnsafeLocalLinearizableReads ? { ...member, hasLeader: () => true } : member;
  const leaderMonitor = new LeaderMonitor(() => server.hasLeader(), deps.clock, cfg.electionTimeoutMs);
  const grpcServer = new grpc.Server({
    'grpc.max_receive_message_length': cfg.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': 2 ** 31 - 1,
    'grpc.keepalive_time_ms': 2 * 60 * 60 * 1000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5000,
    // No channelz service is registered; its per-call bookkeeping only costs CPU.
    'grpc.enable_channelz': 0,
    // Streams meet the rules and are counted here; unary calls in their handlers' wrappers, which the fast path
    // shares (unary-interceptors.ts, rpc-metrics.ts).
    interceptors: [streamInterceptor(metrics, member, leaderMonitor, metrics.clientRequests)],
  });
  const log = deps.log;
  // The KV service's unary calls are answered on the HTTP/2 stream itself (unary-fast-path.ts); the rest
  // goes through grpc-js, which owns the connections.
  const fastPath = new UnaryFastPath(cfg.maxRequestBytes + GRPC_OVERHEAD_BYTES, deps.clock, log.child({ component: 'grpc' }), metrics.fastPathCalls);
  fastPath.install(grpcServer);
  // Clients with many calls in flight must not wait on HTTP/2's 64 KiB window (http2-servers.ts).
  if (!onHttp2Servers(grpcServer, (h2) => widenReceiveWindows(h2))) log.warn('grpc: this grpc-js has no createHttp2Server; client connections keep 64 KiB windows');
  const add = <T extends object>(def: grpc.ServiceDefinition, impl: T, fast = false): void => {
    const wrapped = withEtcdUnaryInterceptors(def, impl, unaryHost, metrics.clientRequests);
    const counted = withByteCounts(wrapped.def, metrics);
    initSeries(counted, metrics);
    grpcServer.addService(counted, wrapped.impl as grpc.UntypedServiceImplementation);
    if (fast) fastPath.addService(counted, wrapped.impl);
  };
  add(withFastKvCodec(protos.services.KV), kvService(server, log.child({ component: 'kv' }), metrics), true);
  add(withFastWatchCodec(protos.services.Watch), watchService(server, deps.clock, log.child({ component: 'watch' }), { progressNotifyIntervalMs: cfg.watchProgressNotifyIntervalMs }, metrics));
  add(protos.services.Lease, leaseService(server, deps.random, log.child({ component: 'lease' }), metrics));
  add(protos.services.Cluster, clusterService(server, log.child({ component: 'cluster' }), metrics));
  add(protos.services.Maintenance, maintenanceService(server, deps.clock, log.child({ component: 'maintenance' }), metrics));
  add(protos.services.Auth, authService(server, metrics));
  add(healthServiceDefinition(), healthService(log.child({ component: 'health' }), metrics));

  const httpServer = http.createServer((req, res) => void handleHttp(server, metrics, log, req, res));
  const listener = new ClientListener(grpcServer, httpServer, log.child({ component: 'listener' }), deps.clock);
  const clientPorts: number[] = [];
  const metricsServers: http.Server[] = [];
  try {
    for (const u of cfg.listenClientUrls) clientPorts.push(await listener.listen(hostOf(u), Number(u.port)));
    for (const u of cfg.listenMetricsUrls) {
      const ms = http.createServer((req, res) => void handleHttp(server, metrics, log, req, res));
      metricsServers.push(ms);
      await new Promise<void>((resolve, reject) => {
        ms.once('error', reject);
        ms.listen({ host: hostOf(u), port: Number(u.port), backlog: LISTEN_BACKLOG }, resolve);
      });
    }
  } catch (err) {
    // A port another process holds ends the member, as etcd exits when it cannot bind: the Raft loop is
    // already running, and left alone it would keep the process alive as a member no client can reach. Each
    // step of the cleanup runs whatever the others do; the caller gets the bind error.
    const steps: (() => Promise<void> | void)[] = [
      () => listener.close(),
      ...metricsServers.map((ms) => () => new Promise<void>((r) => ms.close(() => r()))),
      () => grpcServer.forceShutdown(),
      () => leaderMonitor.stop(),
      () => server.stop(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (cleanupErr) {
        log.warn({ err: cleanupErr }, 'store: cleanup after a failed start failed');
      }
    }
    throw err;
  }
  log.info({ clientUrls: cfg.listenClientUrls.map(String), ports: clientPorts, name: cfg.name }, 'store: serving client requests');

  let stopped = false;
  return {
    server,
    clientPorts,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Answer every request already taken (refusing new ones with an error clients resend elsewhere), then
      // hand leadership over while still serving: nothing a client sent is cut off halfway.
      await server.drainClients();
      await server.handOverLeadership();
      // Let the answers just given reach their clients (a forced shutdown resets streams mid-answer), but
      // do not wait on endless streams such as watches. New connections are refused from here on, so a
      // client that reconnects after the GOAWAY goes to another member instead of into the forced cut.
      listener.stopAccepting();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, GRACEFUL_SHUTDOWN_MS);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      leaderMonitor.stop();
      await listener.close();
      httpServer.closeAllConnections();
      for (const ms of metricsServers) {
        ms.closeAllConnections();
        await new Promise<void>((r) => ms.close(() => r()));
      }
      await server.stop();
    },
  };
}

function hostOf(u: URL): string {
  const h = u.hostname;
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

async function handleHttp(s: StoreServer, metrics: StoreMetrics, log: Logger, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const registry = metrics.registry;
  const path = (req.url ?? '/').split('?')[0];
  const json = (code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    if (path === FAULT_PARTITION_PATH && s.cfg.experimentalEnableFaultInjection) {
      await handlePartitionRequest(s.faults, log, req, res);
      return;
    }
    switch (path) {
      case '/metrics':
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await registry.metrics());
        return;
      case '/version':
        json(200, { etcdserver: STORE_VERSION, etcdcluster: CLUSTER_VERSION });
        return;
      case '/livez':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      case '/health':
      case '/healthz':
      case '/readyz': {
        const reason = await unhealthyReason(s);
        if (path === '/health') {
          // etcd counts the checks of /health (not of capstan's /healthz and /readyz).
          (reason === undefined ? metrics.healthSuccess : metrics.healthFailures).inc();
          json(reason === undefined ? 200 : 503, { health: reason === undefined ? 'true' : 'false', reason: reason ?? '' });
        } else {
          res.writeHead(reason === undefined ? 200 : 503, { 'content-type': 'text/plain' });
          res.end(reason === undefined ? 'ok' : `unhealthy: ${reason}`);
        }
        return;
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found\n');
    }
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(err));
  }
}

/** unhealthyReason is why the member is not healthy, as etcd's /health judges: a leader, no alarm, a read. */
async function unhealthyReason(s: StoreServer): Promise<string | undefined> {
  if (s.leader === NONE) return 'RAFT NO LEADER';
  const alarms = s.alarms.list();
  if (alarms.length > 0) return `ALARM ${alarms.map((a) => a.alarm).join(',')}`;
  try {
    await Promise.race([s.linearizableRead(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000))]);
  } catch {
    return 'QGET ERROR';
  }
  return undefined;
}
