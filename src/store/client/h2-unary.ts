/**
 * H2UnaryTransport runs the etcd client's unary gRPC calls straight over one node:http2 session to one
 * endpoint, without grpc-js's channel, picker, filters and interceptors, which cost the API server more CPU
 * per call than the call itself. The streams (Watch, LeaseKeepAlive, Maintenance.Snapshot) stay on grpc-js.
 *
 * Model and limits:
 * - The session goes through gRPC's connectivity states: IDLE → CONNECTING → READY once the server's
 *   SETTINGS arrived; a failed attempt → TRANSIENT_FAILURE, which lasts a backoff (100 ms doubling to 1 s,
 *   the options the grpc-js channel had) before IDLE again; a READY session that ends (GOAWAY, the member
 *   restarted or died) → IDLE, and the next connect() dials again. close() → SHUTDOWN. Nothing dials unless
 *   a connect() is waiting.
 * - A call is one HTTP/2 stream (PROTOCOL-HTTP2.md): POST with te, content-type, grpc-timeout, user-agent
 *   and the call's metadata, and one length-prefixed uncompressed message; h2-unary-stream.ts reads the
 *   answer. No size limit on receive.
 * - Every failure is a GrpcStatusError, whose `sent` is false only when the request certainly reached no
 *   server: the session was not READY, or the stream got no ID or was refused unprocessed (h2-unary-stream.ts).
 *   Everything after the request may have reached the server is `sent`: a write may have been applied, and
 *   the retry policy does not resend it.
 * - The deadline travels as grpc-timeout and is enforced locally (RST_STREAM CANCEL, DEADLINE_EXCEEDED).
 * - Keepalive while calls run, none while idle (h2-connection.ts); an idle session does not keep the process
 *   alive. close() destroys the session and clears every timer.
 * - https endpoints get TLS (ALPN h2, the system's CAs), as the grpc-js channel's createSsl() did; no client
 *   certificates.
 */
import type * as http2 from 'node:http2';
import { connectivityState, status } from '@grpc/grpc-js';
import { invariant } from '../../util/errors.js';
import { ClientClosedError, EndpointUnavailableError, GrpcStatusError, UnexpectedStatusError } from './errors.js';
import { frameMessage, grpcTimeout } from './grpc-wire.js';
import { H2Connection, openSession, type KeepaliveOptions } from './h2-connection.js';
import { H2UnaryStream } from './h2-unary-stream.js';

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
export interface H2UnaryOptions extends KeepaliveOptions {
  /** initialBackoffMs is the pause after the first failed connection attempt; it doubles up to maxBackoffMs. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** connectTimeoutMs bounds one connection attempt (grpc's minimum connect timeout is 20 s). */
  readonly connectTimeoutMs: number;
  readonly userAgent: string;
}

/** DEFAULT_H2_UNARY_OPTIONS mirror the options of the grpc-js channel the client keeps for streams (endpoint.ts). */
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

/** H2UnaryTransport owns the HTTP/2 session to one endpoint (see the module comment). */
export class H2UnaryTransport {
  private connState = connectivityState.IDLE;
  /** current is the session being connected (CONNECTING) or in use (READY). */
  private current: H2Connection | undefined;
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
    if (this.ready() !== undefined) return Promise.resolve();
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
      const settle = (err: Error | undefined, value?: Resp): void => (err === undefined ? resolve(value as Resp) : reject(err));
      const conn = this.ready();
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
      const call = new H2UnaryStream(conn, stream, method.path, method.responseDeserialize, body, deadline, settle, () => {
        // A session's streams close before the session emits 'close': stop handing it calls now.
        if (conn.session.destroyed) this.retire(conn);
      });
      cancel = () => call.cancel();
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

  /** ready is the READY connection, if there is one; a session found ending (its 'close' still to come) is retired. */
  private ready(): H2Connection | undefined {
    const conn = this.connState === connectivityState.READY ? this.current : undefined;
    if (conn === undefined || !conn.ending) return conn;
    this.retire(conn);
    return undefined;
  }

  /** dial opens a session (IDLE → CONNECTING); its events drive the rest. */
  private dial(): void {
    this.transition(connectivityState.CONNECTING);
    const session = openSession(this.url);
    const conn = new H2Connection(session, this.options);
    this.current = conn;
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
  private retire(conn: H2Connection): void {
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
