/**
 * H2Connection is one HTTP/2 session of the unary transport (h2-unary.ts) and its keepalive, which follows
 * the grpc-js channel the client had (kube-apiserver's 30 s / 10 s): while calls run, a PING every
 * keepaliveTimeMs, and a PING not answered within keepaliveTimeoutMs destroys the session. No PING goes out
 * while idle — etcd refuses pings without streams (PermitWithoutStream false) — but one whose interval ended
 * during idleness goes out with the next call. An idle session does not keep the process alive.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';

/** KeepaliveOptions are the PING interval while calls run and how long a PING may go unanswered. */
export interface KeepaliveOptions {
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
}

/**
 * RECEIVE_WINDOW_BYTES is the HTTP/2 receive window of the client's connections and of each of their streams.
 * HTTP/2 starts at 64 KiB and Node never grows it, so a large answer (a list) or many answers at once would
 * wait on WINDOW_UPDATEs; grpc-go's clients grow theirs by BDP estimation up to 16 MiB.
 */
export const RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * openSession starts an HTTP/2 session to url (http or https with host and port): TCP without Nagle's
 * algorithm (requests are small and latency-bound, as grpc-js has it), TLS with ALPN h2 and the system's CAs
 * for https, no push, receive windows of RECEIVE_WINDOW_BYTES, and no cap on the session's buffered memory
 * (Node refuses new streams past it; grpc-js lifts it too).
 */
export function openSession(url: string): http2.ClientHttp2Session {
  const session = http2.connect(url, {
    settings: { enablePush: false, initialWindowSize: RECEIVE_WINDOW_BYTES },
    maxSessionMemory: Number.MAX_SAFE_INTEGER,
    createConnection: (authority: URL) => openSocket(authority),
  });
  session.once('connect', () => {
    if (!session.destroyed) session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
  });
  return session;
}

function openSocket(url: URL): net.Socket {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const socket =
    url.protocol === 'https:'
      ? tls.connect({ host, port, ALPNProtocols: ['h2'], ...(net.isIP(host) === 0 ? { servername: host } : {}) })
      : net.connect({ host, port });
  socket.setNoDelay(true);
  return socket;
}

/** H2Connection is a session, the number of calls running on it, and its keepalive. */
export class H2Connection {
  /** goawayLastStreamId is the last stream ID the server said it may have processed, once it sent GOAWAY. */
  goawayLastStreamId: number | undefined;
  /** error is why the session failed, if it did. */
  error: Error | undefined;
  private active = 0;
  /** keepaliveTimer is the wait for the next PING, or for the answer to the one sent. */
  private keepaliveTimer: NodeJS.Timeout | undefined;
  /** pingDue: a keepalive interval ended while no call ran; PING when the next one starts. */
  private pingDue = false;
  private disposed = false;

  constructor(
    readonly session: http2.ClientHttp2Session,
    private readonly options: KeepaliveOptions,
  ) {
    session.unref();
  }

  /** ending is true once the session closes or was destroyed (its 'close' event may still be to come). */
  get ending(): boolean {
    return this.session.closed || this.session.destroyed;
  }

  /** callStarted keeps the process alive and the keepalive running while calls run. */
  callStarted(): void {
    if (this.active++ > 0) return;
    this.session.ref();
    if (this.pingDue) {
      this.pingDue = false;
      this.ping();
    } else if (this.keepaliveTimer === undefined) {
      this.scheduleKeepalive();
    }
  }

  callEnded(): void {
    if (--this.active === 0 && !this.session.destroyed) this.session.unref();
  }

  /** destroy ends the session now, recording why first: its streams close before it emits 'error'. */
  destroy(err: Error): void {
    this.error ??= err;
    this.session.destroy(err);
  }

  /** dispose stops the keepalive for good (the session closed). */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }

  private scheduleKeepalive(): void {
    if (this.disposed) return;
    this.keepaliveTimer = setTimeout(() => {
      this.keepaliveTimer = undefined;
      if (this.active > 0) this.ping();
      else this.pingDue = true;
    }, this.options.keepaliveTimeMs);
    this.keepaliveTimer.unref();
  }

  private ping(): void {
    if (this.disposed || this.session.destroyed) return;
    const ms = this.options.keepaliveTimeoutMs;
    const timeout = setTimeout(() => this.destroy(new Error(`keepalive ping not answered within ${ms} ms`)), ms);
    timeout.unref();
    this.keepaliveTimer = timeout;
    let sent = false;
    try {
      sent = this.session.ping((err) => {
        if (this.keepaliveTimer !== timeout) return;
        clearTimeout(timeout);
        this.keepaliveTimer = undefined;
        if (err !== null) this.destroy(err);
        else if (this.active > 0) this.scheduleKeepalive();
      });
    } catch (err) {
      this.error ??= err instanceof Error ? err : new Error(String(err));
    }
    if (!sent) {
      clearTimeout(timeout);
      this.keepaliveTimer = undefined;
      this.destroy(new Error('keepalive ping could not be sent'));
    }
  }
}
