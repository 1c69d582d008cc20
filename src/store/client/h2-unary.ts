/**
 * H2UnaryTransport runs the etcd client's unary gRPC calls straight over one node:http2 session to one
 * endpoint, without grpc-js's channel, picker, filters and interceptors, which cost the API server more CPU
 * per call than the call itself. The streams (Watch, LeaseKeepAlive, Maintenance.Snapshot) stay on grpc-js.
 *
 * Model and limits:
 * - The session goes through gRPC's connectivity states: IDLE → CONNECTING → READY once the server's
 *   SETTINGS arrived; a failed attempt → TRANSIENT_FAILURE, which lasts a backoff (100 ms doubling to 1 s,
 *   the channel options the grpc-js channel had) before IDLE again; a READY session that ends (GOAWAY, the
 *   member restarted or died) → IDLE, and the next connect() dials again. close() → SHUTDOWN. Nothing dials
 *   unless connect() is waiting.
 * - A call is one HTTP/2 stream (PROTOCOL-HTTP2.md): POST with te, content-type, grpc-timeout and the
 *   call's metadata, one length-prefixed uncompressed message; the answer is one message and grpc-status /
 *   grpc-message in the trailers (or in the headers of a trailers-only response). No size limit on receive.
 * - Every failure is a GrpcStatusError, whose `sent` is false only when the request certainly reached no
 *   server — the session was not READY, the stream got no ID, or the server refused it unprocessed
 *   (RST_STREAM REFUSED_STREAM, or a GOAWAY whose last stream ID is below the stream's). Everything after the
 *   request may have reached the server (a dropped connection, a reset, the deadline) is `sent`: a write may
 *   have been applied, and the retry policy will not resend it.
 * - The deadline travels as grpc-timeout and is enforced locally: at the deadline the stream is cancelled
 *   (RST_STREAM CANCEL) and the call fails with DEADLINE_EXCEEDED. cancel() fails it with CANCELLED.
 * - Keepalive as the channel had it (kube-apiserver's 30 s / 10 s): while calls run, a PING every
 *   keepaliveTimeMs; one not answered within keepaliveTimeoutMs destroys the session, and its calls fail as
 *   UNAVAILABLE, maybe sent. No pings while idle: etcd refuses pings without streams (PermitWithoutStream).
 * - An idle session does not keep the process alive (it is unref'd, as grpc-js does); close() destroys it
 *   and clears every timer.
 * - https endpoints get TLS (http2.connect with the URL: ALPN h2, the system's CAs), as the grpc-js
 *   channel's createSsl() did; no client certificates.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { connectivityState, Metadata, status } from '@grpc/grpc-js';
import { invariant } from '../../util/errors.js';
import { ClientClosedError, EndpointUnavailableError, GrpcStatusError, UnexpectedStatusError } from './errors.js';
import { decodeGrpcMessage, frameMessage, grpcTimeout, MessageReader, parseGrpcStatus, statusFromHttp } from './grpc-wire.js';

const { NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;

/** RETIRE_AT_STREAM_ID: client stream IDs are odd and below 2^31; a session this far along takes no more calls. */
const RETIRE_AT_STREAM_ID = 2 ** 31 - 1 - 2 * 1024;

/** UnaryMethod is what the transport needs of a gRPC method definition. */
export interface UnaryMethod<Req, Resp> {
  readonly path: string;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Resp;
}

/** UnaryCall is a started unary call: its outcome, and a way to cancel it. */
export interface UnaryCall<Resp> {
  readonly response: Promise<Resp>;
  cancel(): void;
}

/** H2UnaryOptions tune the transport; DEFAULT_H2_UNARY_OPTIONS are the client's. */
export interface H2UnaryOptions {
  /** keepaliveTimeMs is the PING interval while calls run. */
  readonly keepaliveTimeMs: number;
  /** keepaliveTimeoutMs is how long a PING may go unanswered before the session is destroyed. */
  readonly keepaliveTimeoutMs: number;
  /** initialBackoffMs is the pause after the first failed connection attempt; it doubles up to maxBackoffMs. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** connectTimeoutMs bounds one connection attempt (grpc's minimum connect timeout is 20 s). */
  readonly connectTimeoutMs: number;
  readonly userAgent: string;
}

/** DEFAULT_H2_UNARY_OPTIONS mirror the grpc-js channel options the client used (endpoint.ts). */
export const DEFAULT_H2_UNARY_OPTIONS: H2UnaryOptions = {
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  initialBackoffMs: 100,
  maxBackoffMs: 1_000,
  connectTimeoutMs: 20_000,
  userAgent: 'capstan-etcd-client',
};

/** LEGAL_TRANSITIONS are the connectivity state changes the transport may make (SHUTDOWN is reachable from all). */
const LEGAL_TRANSITIONS: ReadonlyMap<connectivityState, readonly connectivityState[]> = new Map([
  [connectivityState.IDLE, [connectivityState.CONNECTING]],
  [connectivityState.CONNECTING, [connectivityState.READY, connectivityState.TRANSIENT_FAILURE]],
  [connectivityState.READY, [connectivityState.IDLE]],
  [connectivityState.TRANSIENT_FAILURE, [connectivityState.IDLE]],
  [connectivityState.SHUTDOWN, []],
]);

/** Connection is one HTTP/2 session, the calls running on it, and its keepalive. */
class Connection {
  /** goawayLastStreamId is the last stream ID the server said it may have processed, once it sent GOAWAY. */
  goawayLastStreamId: number | undefined;
  /** error is why the session failed, if it did. */
  error: Error | undefined;
  private active = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  /** pingDue: a keepalive interval ended while no call ran; ping when the next one starts. */
  private pingDue = false;
  private disposed = false;

  constructor(
    readonly session: http2.ClientHttp2Session,
    private readonly options: H2UnaryOptions,
  ) {}

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

  /** destroy ends the session now, recording why first: its streams close before its 'error' is emitted. */
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

/**
 * openSocket connects to url's host and port (TLS with ALPN h2 for https), without Nagle's algorithm: a
 * request is small and latency-bound, as grpc-js has it.
 */
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

/** H2UnaryTransport owns the HTTP/2 session to one endpoint (see the module comment). */
export class H2UnaryTransport {
  private connState = connectivityState.IDLE;
  /** current is the session being connected (CONNECTING) or in use (READY). */
  private current: Connection | undefined;
  private backoffMs: number;
  private backoffTimer: NodeJS.Timeout | undefined;
  private lastError: Error | undefined;
  /** waiters are connect() calls in progress, re-checked on every state change. */
  private readonly waiters = new Set<() => void>();

  /** url is the endpoint (http or https, with host and port); options default to the client's. */
  constructor(
    readonly url: string,
    private readonly options: H2UnaryOptions = DEFAULT_H2_UNARY_OPTIONS,
  ) {
    this.backoffMs = options.initialBackoffMs;
  }

  /** state is the connectivity state, without starting a connection. */
  get state(): connectivityState {
    return this.connState;
  }

  /**
   * connect resolves once the session is READY, dialling if it is IDLE. With failFast it rejects as soon as
   * an attempt fails (TRANSIENT_FAILURE); otherwise it waits through failures and backoff for a later attempt,
   * up to timeoutMs. It rejects with EndpointUnavailableError(maybeApplied: false), or ClientClosedError after
   * close(): nothing was sent.
   */
  connect(timeoutMs: number, failFast: boolean): Promise<void> {
    if (this.connState === connectivityState.READY) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.waiters.delete(check);
        clearTimeout(timer);
        if (err === undefined) resolve();
        else reject(err);
      };
      const check = (): void => {
        switch (this.connState) {
          case connectivityState.READY:
            done();
            return;
          case connectivityState.SHUTDOWN:
            done(new ClientClosedError());
            return;
          case connectivityState.TRANSIENT_FAILURE:
            if (failFast) done(new EndpointUnavailableError(this.url, false, { cause: this.lastError }));
            return;
          case connectivityState.IDLE:
            this.dial();
            return;
          default:
            return;
        }
      };
      const timer = setTimeout(() => {
        const why = `not connected within ${timeoutMs} ms (${connectivityState[this.connState]})`;
        done(new EndpointUnavailableError(this.url, false, { cause: new Error(why, { cause: this.lastError }) }));
      }, Math.max(0, timeoutMs));
      this.waiters.add(check);
      check();
    });
  }

  /**
   * unary sends one request on the READY session and resolves to the one response; deadline is a Date.now()
   * time. metadata are extra request headers (lowercase names, e.g. etcd's `hasleader`). It rejects with a
   * GrpcStatusError (or, for a request that cannot be serialized, an UnexpectedStatusError).
   */
  unary<Req, Resp>(method: UnaryMethod<Req, Resp>, request: Req, metadata: Readonly<Record<string, string>>, deadline: number): UnaryCall<Resp> {
    let cancel: () => void = () => undefined;
    const response = new Promise<Resp>((resolve, reject) => {
      let conn = this.connState === connectivityState.READY ? this.current : undefined;
      if (conn !== undefined && (conn.session.closed || conn.session.destroyed)) {
        // Ending, though its 'close' has not been emitted yet.
        this.retire(conn);
        conn = undefined;
      }
      if (conn === undefined) {
        reject(new GrpcStatusError(status.UNAVAILABLE, `no connection to ${this.url} (${connectivityState[this.connState]})`, false));
        return;
      }
      let body: Buffer;
      try {
        body = frameMessage(method.requestSerialize(request));
      } catch (err) {
        reject(new UnexpectedStatusError(status.INTERNAL, `${method.path}: request serialization failed`, { cause: err }));
        return;
      }
      const headers: http2.OutgoingHttpHeaders = {
        ...metadata,
        ':method': 'POST',
        ':path': method.path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': grpcTimeout(deadline - Date.now()),
        'user-agent': this.options.userAgent,
      };
      let stream: http2.ClientHttp2Stream;
      try {
        stream = conn.session.request(headers);
      } catch (err) {
        // The session can no longer open streams (it is closing): nothing was sent.
        this.retire(conn);
        reject(new GrpcStatusError(status.UNAVAILABLE, `${this.url}: cannot open a stream`, false, undefined, { cause: err }));
        return;
      }
      conn.callStarted();
      if ((stream.id ?? 0) >= RETIRE_AT_STREAM_ID) this.retire(conn);

      let settled = false;
      const settle = (err: Error | undefined, value?: Resp): void => {
        if (settled) return;
        settled = true;
        if (err === undefined) resolve(value as Resp);
        else reject(err);
      };
      const abort = (err: GrpcStatusError): void => {
        settle(err);
        stream.close(NGHTTP2_CANCEL);
      };
      const timer = setTimeout(() => abort(new GrpcStatusError(status.DEADLINE_EXCEEDED, 'Deadline exceeded', true)), Math.max(0, deadline - Date.now()));
      cancel = () => {
        if (!settled) abort(new GrpcStatusError(status.CANCELLED, 'Cancelled on client', true));
      };

      const reader = new MessageReader();
      let httpStatus: number | undefined;
      let grpcStatus: status | undefined;
      let details = '';
      let trailers: http2.IncomingHttpHeaders | undefined;
      let failure: GrpcStatusError | undefined;
      const readStatus = (h: http2.IncomingHttpHeaders): void => {
        trailers = h;
        grpcStatus = parseGrpcStatus(h['grpc-status']);
        const message = h['grpc-message'];
        details = typeof message === 'string' ? decodeGrpcMessage(message) : '';
      };
      stream.on('response', (h) => {
        const code = h[':status'];
        if (code !== 200) httpStatus = code ?? 0;
        else if (!String(h['content-type'] ?? '').startsWith('application/grpc')) {
          failure = new GrpcStatusError(status.UNKNOWN, `unexpected content-type ${JSON.stringify(h['content-type'])}`, true);
        }
        if (h['grpc-status'] !== undefined) readStatus(h);
      });
      stream.on('data', (chunk: Buffer) => {
        // The body of an HTTP error (a proxy's page) is not gRPC: the HTTP status decides.
        if (failure !== undefined || httpStatus !== undefined) return;
        try {
          reader.push(chunk);
        } catch (err) {
          failure = new GrpcStatusError(status.INTERNAL, `${method.path}: ${(err as Error).message}`, true, undefined, { cause: err });
          stream.close(NGHTTP2_CANCEL);
        }
      });
      stream.on('trailers', readStatus);
      // Stream errors (a reset, the session's failure) show in rstCode and the session at 'close'.
      stream.on('error', () => undefined);
      stream.on('close', () => {
        clearTimeout(timer);
        conn.callEnded();
        // The session's streams close before the session emits 'close': stop handing it calls now.
        if (conn.session.destroyed) this.retire(conn);
        if (settled) return;
        if (grpcStatus !== undefined && grpcStatus !== status.OK) {
          settle(new GrpcStatusError(grpcStatus, details, true, Metadata.fromHttp2Headers(trailers ?? {})));
        } else if (failure !== undefined) {
          settle(failure);
        } else if (grpcStatus === status.OK) {
          settle(...this.decode(method, reader));
        } else if (httpStatus !== undefined) {
          settle(new GrpcStatusError(statusFromHttp(httpStatus), `received HTTP status ${httpStatus} without a grpc-status`, true));
        } else {
          settle(this.streamFailure(conn, stream));
        }
      });
      stream.end(body);
    });
    return { response, cancel: () => cancel() };
  }

  /** close destroys the session and fails calls in flight; connect() waiters reject. Idempotent. */
  close(): void {
    if (this.connState === connectivityState.SHUTDOWN) return;
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    const conn = this.current;
    this.current = undefined;
    this.transition(connectivityState.SHUTDOWN);
    conn?.dispose();
    conn?.session.destroy();
  }

  /** decode turns the messages of an OK response into the settle arguments: exactly one message is expected. */
  private decode<Resp>(method: Pick<UnaryMethod<never, Resp>, 'path' | 'responseDeserialize'>, reader: MessageReader): [Error | undefined, Resp?] {
    const [message, extra] = reader.messages;
    if (message === undefined || extra !== undefined || reader.partial) {
      const got = reader.partial ? 'a truncated message' : `${reader.messages.length} messages`;
      return [new GrpcStatusError(status.INTERNAL, `${method.path}: expected one response message, got ${got}`, true)];
    }
    try {
      return [undefined, method.responseDeserialize(message)];
    } catch (err) {
      return [new GrpcStatusError(status.INTERNAL, `${method.path}: response message parsing error`, true, undefined, { cause: err })];
    }
  }

  /** streamFailure is the status of a stream that closed without one (see the module comment on `sent`). */
  private streamFailure(conn: Connection, stream: http2.ClientHttp2Stream): GrpcStatusError {
    const id = stream.id;
    const refused = stream.rstCode === NGHTTP2_REFUSED_STREAM || (conn.goawayLastStreamId !== undefined && id !== undefined && id > conn.goawayLastStreamId);
    if (id === undefined || refused) {
      return new GrpcStatusError(status.UNAVAILABLE, `${this.url}: stream ${id ?? '(none)'} refused before it was processed`, false, undefined, { cause: conn.error });
    }
    if (conn.session.destroyed) {
      return new GrpcStatusError(status.UNAVAILABLE, `${this.url}: connection dropped${conn.error === undefined ? '' : `: ${conn.error.message}`}`, true, undefined, { cause: conn.error });
    }
    switch (stream.rstCode) {
      case NGHTTP2_CANCEL:
        return new GrpcStatusError(status.CANCELLED, 'stream cancelled by the server', true);
      case NGHTTP2_ENHANCE_YOUR_CALM:
        return new GrpcStatusError(status.RESOURCE_EXHAUSTED, 'bandwidth exhausted (RST_STREAM ENHANCE_YOUR_CALM)', true);
      case NGHTTP2_INADEQUATE_SECURITY:
        return new GrpcStatusError(status.PERMISSION_DENIED, 'protocol not secure enough (RST_STREAM INADEQUATE_SECURITY)', true);
      case NGHTTP2_NO_ERROR:
        return new GrpcStatusError(status.INTERNAL, 'the response ended without a grpc-status', true);
      default:
        return new GrpcStatusError(status.INTERNAL, `stream reset by the server with code ${stream.rstCode}`, true);
    }
  }

  /** dial opens a session (IDLE → CONNECTING); its events drive the rest. */
  private dial(): void {
    this.transition(connectivityState.CONNECTING);
    const session = http2.connect(this.url, {
      settings: { enablePush: false },
      // Node refuses new streams past this much buffered session memory; grpc-js lifts the limit too.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
      createConnection: (authority: URL) => openSocket(authority),
    });
    const conn = new Connection(session, this.options);
    this.current = conn;
    // An idle session does not keep the process alive; a call refs it while it runs.
    session.unref();
    const connectTimer = setTimeout(() => {
      conn.destroy(new Error(`connection not established within ${this.options.connectTimeoutMs} ms`));
    }, this.options.connectTimeoutMs);
    connectTimer.unref();
    session.once('remoteSettings', () => {
      clearTimeout(connectTimer);
      if (this.current !== conn) return;
      this.backoffMs = this.options.initialBackoffMs;
      this.lastError = undefined;
      this.transition(connectivityState.READY);
    });
    session.on('error', (err: Error) => {
      conn.error ??= err;
    });
    session.on('goaway', (_code: number, lastStreamId: number) => {
      conn.goawayLastStreamId = lastStreamId;
      this.retire(conn);
    });
    session.once('close', () => {
      clearTimeout(connectTimer);
      conn.dispose();
      this.retire(conn);
    });
  }

  /**
   * retire stops giving conn new calls: a session that never became READY is a failed attempt
   * (TRANSIENT_FAILURE, then IDLE after the backoff); a READY one leaves the transport IDLE. Calls running on
   * conn finish on it (it closes gracefully once they have).
   */
  private retire(conn: Connection): void {
    if (!conn.session.closed) conn.session.close();
    if (this.current !== conn) return;
    this.current = undefined;
    if (this.connState === connectivityState.CONNECTING) {
      this.lastError = conn.error ?? new Error('connection closed before the server settings arrived');
      const pause = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs);
      this.transition(connectivityState.TRANSIENT_FAILURE);
      this.backoffTimer = setTimeout(() => {
        this.backoffTimer = undefined;
        this.transition(connectivityState.IDLE);
      }, pause);
      this.backoffTimer.unref();
    } else if (this.connState === connectivityState.READY) {
      this.transition(connectivityState.IDLE);
    }
  }

  /** transition moves to state `to`, refusing an illegal move, and re-checks every waiting connect(). */
  private transition(to: connectivityState): void {
    const from = this.connState;
    invariant(
      to === connectivityState.SHUTDOWN || (LEGAL_TRANSITIONS.get(from) ?? []).includes(to),
      () => `H2UnaryTransport ${this.url}: illegal transition ${connectivityState[from]} → ${connectivityState[to]}`,
    );
    this.connState = to;
    for (const check of [...this.waiters]) check();
  }
}
