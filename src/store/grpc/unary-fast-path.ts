import type * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { frameMessage, MESSAGE_HEADER_BYTES } from '../client/grpc-wire.js';
import { onHttp2Servers } from './http2-servers.js';
import type { UnaryCallLike, UnaryError, UnaryHandler } from './handler.js';

interface FastMethod {
  path: string;
  handler: UnaryHandler<unknown, unknown>;
  deserialize: (b: Buffer) => unknown;
  serialize: (m: unknown) => Buffer;
}

// grpc-js's server answers with these headers (server-interceptors.ts); the fast path sends the same.
const RESPONSE_HEADERS: http2.OutgoingHttpHeaders = {
  ':status': 200,
  'content-type': 'application/grpc+proto',
  'grpc-accept-encoding': 'identity,deflate,gzip',
  'grpc-encoding': 'identity',
};
const OK_TRAILERS: http2.OutgoingHttpHeaders = { 'grpc-status': '0', 'grpc-message': 'OK' };
// Node adds a `date` header to every response unless told not to (an option its typings do not list); gRPC
// servers (grpc-go, so etcd) send none, and building it is a string per call.
const RESPOND_THEN_TRAILERS = { waitForTrailers: true, sendDate: false } as http2.ServerStreamResponseOptions;
const RESPOND_AND_END = { endStream: true, sendDate: false } as http2.ServerStreamResponseOptions;
const DEADLINE = /^(\d{1,8})\s*([HMSmun])$/;
const DEADLINE_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
const noop = (): void => undefined;

/**
 * UnaryFastPath answers the store's hot unary calls (the KV service) straight on the HTTP/2 stream, without
 * grpc-js's per-call machinery (interceptor chain, metadata objects, read queue, stream decoder), which cost
 * more CPU than the handler itself. Everything else on the connection — streams, other services, calls with
 * compression or anything unusual — is left to grpc-js, which owns the HTTP/2 sessions, their settings,
 * keepalive and shutdown. What a client sees is what grpc-js would send: the same response headers (less
 * the `date` header Node adds to grpc-js's, which grpc-go, and so etcd, does not send) and trailers, the
 * same statuses and messages for oversized, missing, extra or compressed messages, and the same deadline
 * handling (`grpc-timeout`).
 */
export class UnaryFastPath {
  private readonly methods = new Map<string, FastMethod>();

  /** served counts the calls this path answers (the rest go to grpc-js); the store passes its metric. */
  constructor(
    private readonly maxReceiveBytes: number,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly served: { inc(): void },
  ) {}

  /** addService registers every unary method of a service under its path; the handlers are the ones grpc-js gets. */
  addService(def: grpc.ServiceDefinition, impl: object): void {
    for (const [name, m] of Object.entries(def)) {
      const method = m as grpc.MethodDefinition<unknown, unknown>;
      const handler = (impl as Record<string, unknown>)[name];
      if (method.requestStream || method.responseStream || typeof handler !== 'function') continue;
      this.methods.set(method.path, {
        path: method.path,
        handler: handler as UnaryHandler<unknown, unknown>,
        deserialize: method.requestDeserialize,
        serialize: method.responseSerialize,
      });
    }
  }

  /**
   * install makes the HTTP/2 servers grpc-js creates for this gRPC server offer each new stream to the fast
   * path first (http2-servers.ts). If it cannot, it returns false, the store logs it, and every call goes
   * through grpc-js as before (the store's tests check that the fast path serves). The one piece of grpc-js's
   * per-stream bookkeeping the fast path skips is the count of open streams behind
   * grpc.max_connection_idle_ms, which the store does not set.
   */
  install(server: grpc.Server): boolean {
    if (onHttp2Servers(server, (h2) => this.attach(h2))) return true;
    this.log.warn('grpc: this grpc-js has no createHttp2Server; unary calls take grpc-js\'s own path');
    return false;
  }

  /** attach lets this path take the streams it answers before h2's 'stream' listeners (grpc-js's) see them. */
  attach(h2: http2.Http2Server): void {
    const emit = h2.emit.bind(h2);
    h2.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'stream' && this.serve(args[0] as http2.ServerHttp2Stream, args[1] as http2.IncomingHttpHeaders)) return true;
      return emit(event, ...args);
    }) as typeof h2.emit;
  }

  /** serve answers the stream if it is a call this path knows, and returns false to leave it to grpc-js. */
  serve(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean {
    const method = this.methods.get(headers[':path'] ?? '');
    if (method === undefined) return false;
    const contentType = headers['content-type'];
    if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) return false;
    const encoding = headers['grpc-encoding'];
    if (encoding !== undefined && encoding !== 'identity') return false;
    const timeout = headers['grpc-timeout'];
    let timeoutMs: number | undefined;
    if (timeout !== undefined) {
      const m = typeof timeout === 'string' ? DEADLINE.exec(timeout) : null;
      if (m === null) return false; // grpc-js answers the malformed header
      timeoutMs = (Number(m[1]) * DEADLINE_UNIT_MS[m[2]!]!) | 0;
    }
    this.served.inc();
    new FastUnaryCall(stream, headers, method, this.maxReceiveBytes, this.clock, timeoutMs).start();
    return true;
  }
}

/** FastUnaryCall is one unary call on the fast path: read one message, run the handler, answer. */
class FastUnaryCall {
  /** prefix collects the current message's 5-byte prefix (compressed flag, length). */
  private readonly prefix = Buffer.allocUnsafe(MESSAGE_HEADER_BYTES);
  private prefixFilled = 0;
  /** bodyLeft is how many bytes of the current message's body are still to come; undefined between messages. */
  private bodyLeft: number | undefined;
  /** messages counts the complete messages received. */
  private messages = 0;
  /** request is a copy of the first message's body (grpc-js copies too: nothing keeps the socket's buffers). */
  private request: Buffer | undefined;
  private requestFilled = 0;
  /** finished is set once a status went out, or the stream closed: nothing more is sent. */
  private finished = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    private readonly headers: http2.IncomingHttpHeaders,
    private readonly method: FastMethod,
    private readonly maxReceiveBytes: number,
    private readonly clock: Clock,
    private readonly timeoutMs: number | undefined,
  ) {}

  start(): void {
    const s = this.stream;
    // Errors are followed by 'close', which ends the call; the listener only keeps them from being thrown.
    s.on('error', noop);
    s.once('close', () => this.finish());
    if (this.timeoutMs !== undefined) this.timer = this.clock.setTimeout(() => this.fail(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'), this.timeoutMs);
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.once('end', () => this.onEnd());
  }

  /**
   * onData follows the messages as grpc-js's stream decoder does: each length prefix is checked against the
   * limit as it arrives (RESOURCE_EXHAUSTED), and a second complete message ends the call at once
   * (UNIMPLEMENTED). Only the first message's bytes are kept; after a status, what the client still sends
   * is read and dropped.
   */
  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.finished) {
      if (this.bodyLeft === undefined) {
        const n = Math.min(MESSAGE_HEADER_BYTES - this.prefixFilled, chunk.length - at);
        chunk.copy(this.prefix, this.prefixFilled, at, at + n);
        this.prefixFilled += n;
        at += n;
        if (this.prefixFilled < MESSAGE_HEADER_BYTES) return;
        const length = this.prefix.readUInt32BE(1);
        if (length > this.maxReceiveBytes) {
          this.fail(grpc.status.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs ${this.maxReceiveBytes})`);
          return;
        }
        if (this.messages === 0) this.request = Buffer.allocUnsafe(length);
        this.bodyLeft = length;
      } else {
        const n = Math.min(this.bodyLeft, chunk.length - at);
        if (this.messages === 0) {
          chunk.copy(this.request!, this.requestFilled, at, at + n);
          this.requestFilled += n;
        }
        this.bodyLeft -= n;
        at += n;
      }
      if (this.bodyLeft === 0) this.messageDone();
    }
  }

  private messageDone(): void {
    this.messages++;
    this.bodyLeft = undefined;
    this.prefixFilled = 0;
    if (this.messages > 1) this.fail(grpc.status.UNIMPLEMENTED, `Received a second request message for server streaming method ${this.method.path}`);
  }

  /** onEnd runs the handler on the one message; a partial message at the end is ignored, as by grpc-js. */
  private onEnd(): void {
    if (this.finished) return;
    if (this.messages === 0) {
      this.fail(grpc.status.UNIMPLEMENTED, `Received no request message for server streaming method ${this.method.path}`);
      return;
    }
    // A compressed flag under the identity encoding is read as uncompressed, as grpc-js does.
    let request: unknown;
    try {
      request = this.method.deserialize(this.request!);
    } catch {
      this.fail(grpc.status.INTERNAL, 'Error deserializing request');
      return;
    }
    const headers = this.headers;
    const call: UnaryCallLike<unknown> = {
      request,
      metadata: {
        get(key: string): grpc.MetadataValue[] {
          const v = headers[key.toLowerCase()];
          return v === undefined ? [] : Array.isArray(v) ? v : [v];
        },
      },
    };
    try {
      this.method.handler(call, (err, value) => this.answer(err, value));
    } catch {
      this.fail(grpc.status.UNKNOWN, 'Unknown error');
    }
  }

  private answer(err: UnaryError | null, value: unknown): void {
    if (this.finished) return;
    if (err !== null) {
      this.fail(err.code, err.details);
      return;
    }
    let message: Buffer;
    try {
      message = this.method.serialize(value);
    } catch {
      this.fail(grpc.status.INTERNAL, 'Error serializing response');
      return;
    }
    const frame = frameMessage(message);
    this.finish();
    const s = this.stream;
    if (s.destroyed || s.closed) return;
    s.respond(RESPONSE_HEADERS, RESPOND_THEN_TRAILERS);
    s.once('wantTrailers', () => s.sendTrailers(OK_TRAILERS));
    s.end(frame);
  }

  /** fail answers with a status and no message (a trailers-only response), as grpc-js does before any message. */
  private fail(code: grpc.status, details: string): void {
    if (this.finished) return;
    this.finish();
    const s = this.stream;
    if (s.destroyed || s.closed) return;
    s.respond({ 'grpc-status': String(code), 'grpc-message': encodeURI(details), ':status': 200, 'content-type': 'application/grpc+proto' }, RESPOND_AND_END);
  }

  private finish(): void {
    this.finished = true;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
