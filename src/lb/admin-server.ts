/**
 * The balancer's admin endpoint, plain HTTP (bind it to loopback or a management network):
 *
 * - `/healthz`: 200 while the process serves (liveness).
 * - `/readyz`: 200 when at least one backend is up, else 503, so a balancer in front of this one (or a
 *   launcher) can tell whether it can place a connection.
 * - `/metrics`: Prometheus text format.
 * - `/backends`: JSON, every backend's status, check counters, last check and connection counts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { BackendPool } from './backend-pool.js';
import { formatHostPort, type HostPort } from './config.js';
import { LbListenError } from './errors.js';
import type { LbMetrics } from './metrics.js';
import { LISTEN_BACKLOG } from '../util/listen.js';

/** BackendsDocument is the JSON body of /backends. */
export interface BackendsDocument {
  /** healthy is the number of backends that are up. */
  readonly healthy: number;
  readonly backends: readonly BackendDocument[];
}

/** BackendDocument is one backend in /backends; times are wall-clock ISO 8601. */
export interface BackendDocument {
  readonly backend: string;
  readonly status: 'unknown' | 'up' | 'down';
  readonly since: string;
  readonly consecutivePasses: number;
  readonly consecutiveFailures: number;
  readonly lastCheck: { readonly at: string; readonly ok: boolean; readonly reason: string | null; readonly detail: string } | null;
  readonly activeConnections: number;
  readonly totalConnections: number;
}

/** AdminServerOptions wires an AdminServer. */
export interface AdminServerOptions {
  readonly listen: HostPort;
  readonly pool: BackendPool;
  readonly metrics: LbMetrics;
  readonly clock: Clock;
  readonly log: Logger;
}

/** AdminServer serves the admin endpoint until stop(). */
export class AdminServer {
  private readonly server: Server;

  constructor(private readonly opts: AdminServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        opts.log.error({ err, path: req.url }, 'admin request failed');
        if (!res.headersSent) reply(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
    });
  }

  /** listen binds the admin listener and resolves to the bound address. */
  listen(): Promise<HostPort> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new LbListenError(`cannot listen on ${formatHostPort(this.opts.listen)} (admin): ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen({ host: this.opts.listen.host, port: this.opts.listen.port, backlog: LISTEN_BACKLOG }, () => {
        this.server.off('error', onError);
        const a = this.server.address();
        resolve(a !== null && typeof a === 'object' ? { host: a.address, port: a.port } : this.opts.listen);
      });
    });
  }

  /** stop closes the listener and its connections. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** backendsDocument renders /backends. */
  backendsDocument(): BackendsDocument {
    const { pool, clock } = this.opts;
    const wall = (monotonic: number): string => new Date(clock.now() - (clock.monotonic() - monotonic)).toISOString();
    return {
      healthy: pool.healthyCount(),
      backends: pool.view().map((b) => ({
        backend: b.backend,
        status: b.status,
        since: wall(b.since),
        consecutivePasses: b.consecutivePasses,
        consecutiveFailures: b.consecutiveFailures,
        lastCheck: b.lastCheck === undefined ? null : { at: wall(b.lastCheck.at), ok: b.lastCheck.ok, reason: b.lastCheck.reason ?? null, detail: b.lastCheck.detail },
        activeConnections: b.activeConnections,
        totalConnections: b.totalConnections,
      })),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    switch (path) {
      case '/healthz':
        reply(res, 200, 'text/plain; charset=utf-8', 'ok\n');
        return;
      case '/readyz': {
        const healthy = this.opts.pool.healthyCount();
        if (healthy > 0) reply(res, 200, 'text/plain; charset=utf-8', 'ok\n');
        else reply(res, 503, 'text/plain; charset=utf-8', 'no healthy backend\n');
        return;
      }
      case '/metrics': {
        const { registry } = this.opts.metrics;
        reply(res, 200, registry.contentType, await registry.metrics());
        return;
      }
      case '/backends':
        reply(res, 200, 'application/json', `${JSON.stringify(this.backendsDocument(), null, 2)}\n`);
        return;
      default:
        reply(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
