/**
 * H2UnaryStream follows the HTTP/2 stream of one unary call to its outcome: the one response message, or a
 * GrpcStatusError saying what failed and whether the request may have reached the server (`sent`).
 *
 * The answer is read as PROTOCOL-HTTP2.md has it: length-prefixed messages across DATA frames, then
 * grpc-status and grpc-message (percent-encoded) in the trailers, or in the headers of a trailers-only
 * response; an HTTP status other than 200 without a grpc-status is mapped by http-grpc-status-mapping.md. A
 * stream that closes without a status is classified by how it closed:
 * - never sent (`sent` false): the stream got no ID, or the server refused it unprocessed — RST_STREAM
 *   REFUSED_STREAM, or a GOAWAY whose last stream ID is below the stream's;
 * - maybe applied: the connection dropped (UNAVAILABLE), the server reset the stream (grpc-js's mapping of
 *   the reset code), or the response ended without a status (INTERNAL).
 * The deadline is enforced here too: at it the stream is cancelled (RST_STREAM CANCEL) and the call fails
 * with DEADLINE_EXCEEDED; cancel() fails it with CANCELLED.
 */
import * as http2 from 'node:http2';
import { Metadata, status } from '@grpc/grpc-js';
import { GrpcStatusError } from './errors.js';
import { decodeGrpcMessage, MessageReader, parseGrpcStatus, statusFromHttp } from './grpc-wire.js';
import type { H2Connection } from './h2-connection.js';

const { NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;

/** H2UnaryStream is one call's stream, from the request sent to its outcome. */
export class H2UnaryStream<Resp> {
  private settled = false;
  private readonly timer: NodeJS.Timeout;
  private readonly reader = new MessageReader();
  private httpStatus: number | undefined;
  private grpcStatus: status | undefined;
  private details = '';
  private trailers: http2.IncomingHttpHeaders | undefined;
  /** failure is a malformed response, found before the stream closed. */
  private failure: GrpcStatusError | undefined;

  /**
   * The stream must be open on conn with its request headers; the constructor sends body and ends the
   * request. settle is called once with the outcome; closed once the stream is gone (after settle).
   */
  constructor(
    private readonly conn: H2Connection,
    private readonly stream: http2.ClientHttp2Stream,
    private readonly path: string,
    private readonly deserialize: (bytes: Buffer) => Resp,
    body: Buffer,
    deadline: number,
    private readonly settle: (err: Error | undefined, value?: Resp) => void,
    private readonly closed: () => void,
  ) {
    this.timer = setTimeout(() => this.abort(new GrpcStatusError(status.DEADLINE_EXCEEDED, 'Deadline exceeded', true)), Math.max(0, deadline - Date.now()));
    stream.on('response', (h) => this.onResponse(h));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('trailers', (h) => this.readStatus(h));
    // A reset or the session's failure shows in rstCode and the session when the stream closes.
    stream.on('error', () => undefined);
    stream.on('close', () => this.onClose());
    stream.end(body);
  }

  /** cancel fails the call with CANCELLED and resets the stream, unless it already has an outcome. */
  cancel(): void {
    if (!this.settled) this.abort(new GrpcStatusError(status.CANCELLED, 'Cancelled on client', true));
  }

  private finish(err: Error | undefined, value?: Resp): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(err, value);
  }

  private abort(err: GrpcStatusError): void {
    this.finish(err);
    this.stream.close(NGHTTP2_CANCEL);
  }

  private onResponse(h: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    const code = h[':status'];
    if (code !== 200) this.httpStatus = code ?? 0;
    else if (!String(h['content-type'] ?? '').startsWith('application/grpc')) {
      this.failure = new GrpcStatusError(status.UNKNOWN, `unexpected content-type ${JSON.stringify(h['content-type'])}`, true);
    }
    if (h['grpc-status'] !== undefined) this.readStatus(h);
  }

  private onData(chunk: Buffer): void {
    // The body of an HTTP error (a proxy's page) is not gRPC: the HTTP status decides.
    if (this.failure !== undefined || this.httpStatus !== undefined) return;
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.failure = new GrpcStatusError(status.INTERNAL, `${this.path}: ${(err as Error).message}`, true, undefined, { cause: err });
      this.stream.close(NGHTTP2_CANCEL);
    }
  }

  private readStatus(h: http2.IncomingHttpHeaders): void {
    this.trailers = h;
    this.grpcStatus = parseGrpcStatus(h['grpc-status']);
    const message = h['grpc-message'];
    this.details = typeof message === 'string' ? decodeGrpcMessage(message) : '';
  }

  private onClose(): void {
    clearTimeout(this.timer);
    this.conn.callEnded();
    this.closed();
    if (this.settled) return;
    if (this.grpcStatus !== undefined && this.grpcStatus !== status.OK) {
      this.finish(new GrpcStatusError(this.grpcStatus, this.details, true, Metadata.fromHttp2Headers(this.trailers ?? {})));
    } else if (this.failure !== undefined) {
      this.finish(this.failure);
    } else if (this.grpcStatus === status.OK) {
      this.decode();
    } else if (this.httpStatus !== undefined) {
      this.finish(new GrpcStatusError(statusFromHttp(this.httpStatus), `received HTTP status ${this.httpStatus} without a grpc-status`, true));
    } else {
      this.finish(this.streamFailure());
    }
  }

  /** decode settles an OK response: exactly one message is expected. */
  private decode(): void {
    const { messages, partial } = this.reader;
    const [message, extra] = messages;
    if (message === undefined || extra !== undefined || partial) {
      const got = partial ? 'a truncated message' : `${messages.length} messages`;
      this.finish(new GrpcStatusError(status.INTERNAL, `${this.path}: expected one response message, got ${got}`, true));
      return;
    }
    let value: Resp;
    try {
      value = this.deserialize(message);
    } catch (err) {
      this.finish(new GrpcStatusError(status.INTERNAL, `${this.path}: response message parsing error`, true, undefined, { cause: err }));
      return;
    }
    this.finish(undefined, value);
  }

  /** streamFailure is the status of a stream that closed without one (see the module comment). */
  private streamFailure(): GrpcStatusError {
    const { conn, stream } = this;
    const id = stream.id;
    const refused = stream.rstCode === NGHTTP2_REFUSED_STREAM || (conn.goawayLastStreamId !== undefined && id !== undefined && id > conn.goawayLastStreamId);
    if (id === undefined || refused) {
      return new GrpcStatusError(status.UNAVAILABLE, `stream ${id ?? '(none)'} refused before it was processed`, false, undefined, { cause: conn.error });
    }
    if (conn.session.destroyed) {
      return new GrpcStatusError(status.UNAVAILABLE, `connection dropped${conn.error === undefined ? '' : `: ${conn.error.message}`}`, true, undefined, { cause: conn.error });
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
}
