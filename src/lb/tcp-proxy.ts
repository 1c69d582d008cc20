/**
 * TcpProxy is the balancer's data path: it accepts client connections and splices each one, byte for byte,
 * to a backend the BackendPool picks. It never looks inside the stream, so TLS stays end to end and a
 * long-lived watch is just a long-lived connection.
 *
 * - A client connection is paused on accept and nothing is read from it until a backend has accepted, so a
 *   backend that refuses (or does not answer within the connect timeout) is replaced by another healthy
 *   one before the client has sent or received a byte (haproxy's `retries` with `option redispatch`).
 * - A refused connect is reported to the pool, which takes the backend down at once (haproxy's
 *   `observe layer4 on-error mark-down`).
 * - Health changes never touch established connections: a backend that dies closes or resets its own
 *   sockets, and the proxy passes that on to the client.
 * - Half-closes pass through (each side's FIN is forwarded), and so do resets; once one side has fully
 *   closed, the other is ended and destroyed if it has not closed within the FIN timeout.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { StatusChange } from './backend-health.js';
import type { BackendPool } from './backend-pool.js';
import { formatHostPort, type HostPort } from './config.js';
import { LbListenError } from './errors.js';
import type { LbMetrics } from './metrics.js';
import { LISTEN_BACKLOG } from '../util/listen.js';

/** FIN_TIMEOUT_MS is how long one side may stay open after the other has closed (haproxy's client-fin/server-fin). */
export const FIN_TIMEOUT_MS = 10_000;

/** KEEPALIVE_DELAY_MS is the TCP keepalive idle time set on both sides, so dead peers of idle watches are found. */
export const KEEPALIVE_DELAY_MS = 30_000;

/** TcpProxyOptions wires a TcpProxy. */
export interface TcpProxyOptions {
  readonly listen: HostPort;
  readonly pool: BackendPool;
  readonly backends: ReadonlyMap<string, HostPort>;
  readonly connectTimeoutMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: LbMetrics;
  /** onChange is told the status changes that failed connects cause. */
  readonly onChange: (change: StatusChange) => void;
}

/** TcpProxy listens for clients and forwards them to backends until stop(). */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private nextId = 0;

  constructor(private readonly opts: TcpProxyOptions) {
    this.server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => this.accept(client));
  }

  /** listen binds the client listener and resolves to the bound address. */
  listen(): Promise<HostPort> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new LbListenError(`cannot listen on ${formatHostPort(this.opts.listen)}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen({ host: this.opts.listen.host, port: this.opts.listen.port, backlog: LISTEN_BACKLOG }, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.opts.log.error({ err }, 'listener error'));
        const a = this.server.address();
        resolve(a !== null && typeof a === 'object' ? { host: a.address, port: a.port } : this.opts.listen);
      });
    });
  }

  /** stop closes the listener and every proxied connection. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  private accept(client: Socket): void {
    const id = ++this.nextId;
    const log = this.opts.log.child({ conn: id, client: `${client.remoteAddress ?? '?'}:${String(client.remotePort ?? '?')}` });
    this.track(client);
    // Until a backend is attached, a client error or close just ends the attempt.
    const onEarlyError = (err: Error): void => log.debug({ err }, 'client connection failed before a backend took it');
    client.on('error', onEarlyError);
    this.place(client, new Set(), log, () => client.off('error', onEarlyError));
  }

  private place(client: Socket, tried: Set<string>, log: Logger, attached: () => void): void {
    if (client.destroyed) return;
    const backend = this.opts.pool.pick(tried);
    if (backend === undefined) {
      log.warn({ tried: [...tried] }, tried.size === 0 ? 'closing client connection: no backend is up' : 'closing client connection: every backend tried failed');
      this.opts.metrics.connectionsRejected.inc();
      client.destroy();
      return;
    }
    tried.add(backend);
    const address = this.opts.backends.get(backend);
    if (address === undefined) return;
    const upstream = connect({ host: address.host, port: address.port, allowHalfOpen: true });
    this.track(upstream);
    let timer: TimerHandle | undefined = this.opts.clock.setTimeout(() => {
      timer = undefined;
      upstream.destroy(Object.assign(new Error(`connect timeout after ${String(this.opts.connectTimeoutMs)}ms`), { code: 'ETIMEDOUT' }));
    }, this.opts.connectTimeoutMs);
    const abandon = (): void => {
      timer?.cancel();
      upstream.destroy();
    };
    client.once('close', abandon);
    const onConnectError = (err: NodeJS.ErrnoException): void => {
      timer?.cancel();
      client.off('close', abandon);
      if (client.destroyed) return;
      const reason = err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ETIMEDOUT' ? 'timeout' : 'error';
      this.opts.metrics.connectFailures.inc({ backend, reason });
      log.info({ backend, reason, detail: err.code ?? err.message }, 'backend did not accept the connection; trying another');
      if (reason === 'refused') {
        const change = this.opts.pool.report(backend, { type: 'connect-refused', detail: err.code ?? err.message }, this.opts.clock.monotonic());
        if (change !== undefined) this.opts.onChange(change);
      }
      this.place(client, tried, log, attached);
    };
    upstream.once('error', onConnectError);
    upstream.once('connect', () => {
      timer?.cancel();
      upstream.off('error', onConnectError);
      client.off('close', abandon);
      attached();
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      this.splice(client, upstream, backend, log);
    });
  }

  private splice(client: Socket, upstream: Socket, backend: string, log: Logger): void {
    const { pool, metrics, clock } = this.opts;
    pool.connectionOpened(backend);
    metrics.connectionsTotal.inc({ backend });
    metrics.connectionsActive.inc({ backend });
    log.debug({ backend }, 'connection established');
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      s.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    }
    let finTimer: TimerHandle | undefined;
    // A reset (or any socket error) on one side is passed on as a reset of the other, so neither peer
    // mistakes an aborted stream for a clean end.
    const onError = (err: Error): void => {
      log.debug({ err, backend }, 'connection reset');
      for (const s of [client, upstream]) if (!s.destroyed) s.resetAndDestroy();
    };
    const onClose = (other: Socket) => (): void => {
      if (other.destroyed) return;
      other.end();
      finTimer ??= clock.setTimeout(() => other.destroy(), FIN_TIMEOUT_MS);
    };
    client.on('error', onError);
    upstream.on('error', onError);
    client.once('close', onClose(upstream));
    upstream.once('close', onClose(client));
    let open = 2;
    const released = (): void => {
      if (--open > 0) return;
      finTimer?.cancel();
      pool.connectionClosed(backend);
      metrics.connectionsActive.dec({ backend });
      log.debug({ backend }, 'connection closed');
    };
    client.once('close', released);
    upstream.once('close', released);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
