/**
 * The health and metrics endpoint of a component process (scheduler, controller-manager, node agents), plain
 * HTTP on --bind-address:--port:
 *
 * - `/healthz` and `/livez`: 200 `ok`, or 500 naming the failed check — among them `leaderElection`, which
 *   fails when this replica leads on record but has not renewed its Lease for leaseDuration + 20 s (client-go's
 *   HealthzAdaptor).
 * - `/readyz`: 200 once the component is ready (a standby is ready), else 503.
 * - `/metrics`: Prometheus text format.
 * - `/leaderz`: JSON — identity, whether this replica acts as leader, the holder it last observed, since when it
 *   leads and how many times it has led.
 * - `/debug/journal`: JSON, the last actions recorded in the component's journal.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../../util/logger.js';
import { CapstanError } from '../../util/errors.js';
import type { JournalEntry } from './journal.js';
import { LISTEN_BACKLOG } from '../../util/listen.js';

/** HealthCheck is one named check of /healthz: it returns an error message when failing. */
export interface HealthCheck {
  readonly name: string;
  check(): string | undefined;
}

/** LeaderStatus is the body of /leaderz. */
export interface LeaderStatus {
  readonly component: string;
  readonly identity: string;
  readonly leaderElection: boolean;
  readonly leading: boolean;
  /** leader is the holder this replica last observed ('' if none). */
  readonly leader: string;
  /** leadingSince is the wall-clock time (ISO 8601) this replica started its current term, if leading. */
  readonly leadingSince: string | null;
  /** terms is how many times this replica has started leading. */
  readonly terms: number;
}

/** ComponentServerOptions wire a ComponentServer. */
export interface ComponentServerOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: Registry;
  readonly log: Logger;
  readonly checks: () => readonly HealthCheck[];
  readonly ready: () => boolean;
  readonly leader: () => LeaderStatus;
  readonly journal: () => readonly JournalEntry[];
}

/** ComponentListenError is a health port that cannot be bound. */
export class ComponentListenError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'LISTEN_FAILED', false, options);
  }
}

function reply(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** ComponentServer serves the endpoints above until stop(). */
export class ComponentServer {
  private readonly server: Server;

  constructor(private readonly opts: ComponentServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        opts.log.error({ err, path: req.url }, 'health request failed');
        if (!res.headersSent) reply(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
    });
  }

  /** listen binds the port and resolves to the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new ComponentListenError(`cannot listen on ${this.opts.host}:${this.opts.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen({ host: this.opts.host, port: this.opts.port, backlog: LISTEN_BACKLOG }, () => {
        this.server.off('error', onError);
        const a = this.server.address();
        resolve(a !== null && typeof a === 'object' ? a.port : this.opts.port);
      });
    });
  }

  /** stop closes the listener and its connections. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    switch (path) {
      case '/healthz':
      case '/livez': {
        const failed = this.opts.checks().flatMap((c) => {
          const msg = c.check();
          return msg === undefined ? [] : [`[-]${c.name} failed: ${msg}`];
        });
        return failed.length === 0 ? reply(res, 200, 'text/plain; charset=utf-8', 'ok') : reply(res, 500, 'text/plain; charset=utf-8', `${failed.join('\n')}\nhealthz check failed\n`);
      }
      case '/readyz':
        return this.opts.ready() ? reply(res, 200, 'text/plain; charset=utf-8', 'ok') : reply(res, 503, 'text/plain; charset=utf-8', 'not ready\n');
      case '/metrics':
        return reply(res, 200, this.opts.metrics.contentType, await this.opts.metrics.metrics());
      case '/leaderz':
        return reply(res, 200, 'application/json', `${JSON.stringify(this.opts.leader())}\n`);
      case '/debug/journal':
        return reply(res, 200, 'application/json', `${JSON.stringify(this.opts.journal())}\n`);
      default:
        return reply(res, 404, 'text/plain; charset=utf-8', '404 page not found\n');
    }
  }
}
