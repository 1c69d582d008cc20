/**
 * Endpoint is one etcd client URL and the single gRPC channel the client keeps to it; every service (KV,
 * Watch, Lease, Maintenance) is called over that channel, as clientv3 multiplexes one ClientConn.
 *
 * connect() is the gate every attempt passes before it sends anything: it resolves once the channel is
 * READY, or fails without sending — which is what lets the retry policy tell "certainly not sent" from "sent,
 * then the connection failed".
 */
import * as grpc from '@grpc/grpc-js';
import { ClientClosedError, ClientConfigError, EndpointUnavailableError } from './errors.js';

/** CHANNEL_OPTIONS tune the channel for fast failover and etcd-sized responses. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Come back quickly once a restarted member listens again (grpc's default backoff reaches 120 s).
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  // Detect a member that stopped answering without closing the connection (kube-apiserver: 30 s / 10 s).
  // Pings only while calls are active: etcd refuses pings without streams (PermitWithoutStream false).
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  // A list can be large; clientv3 raises the receive limit to MaxInt32 as well.
  'grpc.max_receive_message_length': -1,
  // grpc-js keeps only its transparent retries (a stream that never left the client, or was refused before
  // the server application saw it); every other retry is the client's, with etcd's semantics.
};

/** EndpointAddress is a parsed client URL. */
export interface EndpointAddress {
  /** url is the endpoint as configured, e.g. http://127.0.0.1:2379. */
  readonly url: string;
  /** target is host:port for grpc. */
  readonly target: string;
  readonly secure: boolean;
}

/** parseEndpoint validates an etcd client URL (http or https, default port 2379). */
export function parseEndpoint(url: string): EndpointAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new ClientConfigError(`endpoint ${JSON.stringify(url)} is not a URL`, { cause: err });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ClientConfigError(`endpoint ${JSON.stringify(url)} must use http or https`);
  }
  if (u.pathname !== '/' && u.pathname !== '') throw new ClientConfigError(`endpoint ${JSON.stringify(url)} has a path`);
  const port = u.port === '' ? '2379' : u.port;
  return { url, target: `${u.hostname}:${port}`, secure: u.protocol === 'https:' };
}

/** Method is a gRPC method as proto-loader defines it, narrowed to the shapes the client sends and gets. */
export type Method<Req, Resp> = grpc.MethodDefinition<Req, Resp>;

/** UnaryCall is a started unary call: its outcome, and a way to cancel it. */
export interface UnaryCall<Resp> {
  readonly response: Promise<Resp>;
  cancel(): void;
}

/** Endpoint owns the channel to one member's client URL. */
export class Endpoint {
  readonly url: string;
  /** failures counts consecutive failures (the pool's bookkeeping). */
  failures = 0;
  /** suspectUntil is the clock.monotonic() time until which the pool passes this endpoint over. */
  suspectUntil = 0;
  private readonly channel: grpc.Channel;
  private readonly client: grpc.Client;
  private closed = false;

  constructor(address: EndpointAddress) {
    this.url = address.url;
    const credentials = address.secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    this.channel = new grpc.Channel(address.target, credentials, CHANNEL_OPTIONS);
    this.client = new grpc.Client(address.target, credentials, { channelOverride: this.channel });
  }

  /** state is the channel's connectivity state, without starting a connection. */
  state(): grpc.connectivityState {
    return this.closed ? grpc.connectivityState.SHUTDOWN : this.channel.getConnectivityState(false);
  }

  /**
   * connect resolves once the channel is READY. With failFast it rejects as soon as the channel reports
   * TRANSIENT_FAILURE (the endpoint is down); otherwise it waits through failures for the channel's own
   * reconnection, up to timeoutMs. It rejects with EndpointUnavailableError(maybeApplied: false): nothing was sent.
   */
  connect(timeoutMs: number, failFast: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + Math.max(0, timeoutMs);
      const check = (): void => {
        if (this.closed) {
          reject(new ClientClosedError());
          return;
        }
        const state = this.channel.getConnectivityState(true);
        if (state === grpc.connectivityState.READY) {
          resolve();
          return;
        }
        if (state === grpc.connectivityState.SHUTDOWN) {
          reject(new ClientClosedError());
          return;
        }
        if (failFast && state === grpc.connectivityState.TRANSIENT_FAILURE) {
          reject(new EndpointUnavailableError(this.url, false, { cause: new Error('connection failed (TRANSIENT_FAILURE)') }));
          return;
        }
        if (Date.now() >= deadline) {
          reject(new EndpointUnavailableError(this.url, false, { cause: new Error(`not connected within ${timeoutMs} ms (${grpc.connectivityState[state]})`) }));
          return;
        }
        this.channel.watchConnectivityState(state, deadline, () => check());
      };
      check();
    });
  }

  /** unary starts a unary call that must complete by deadline (a Date.now() time). */
  unary<Req, Resp>(method: Method<Req, Resp>, request: Req, metadata: grpc.Metadata, deadline: number): UnaryCall<Resp> {
    let call: grpc.ClientUnaryCall | undefined;
    const response = new Promise<Resp>((resolve, reject) => {
      call = this.client.makeUnaryRequest<Req, Resp>(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata,
        { deadline },
        (err, value) => {
          if (err !== null || value === undefined) reject(err ?? new Error(`${method.path}: empty response`));
          else resolve(value);
        },
      );
    });
    return { response, cancel: () => call?.cancel() };
  }

  /** bidi opens a bidirectional stream (Watch, LeaseKeepAlive) with no deadline. */
  bidi<Req, Resp>(method: Method<Req, Resp>, metadata: grpc.Metadata): grpc.ClientDuplexStream<Req, Resp> {
    return this.client.makeBidiStreamRequest<Req, Resp>(method.path, method.requestSerialize, method.responseDeserialize, metadata);
  }

  /** serverStream starts a server-streaming call (Maintenance.Snapshot) with no deadline. */
  serverStream<Req, Resp>(method: Method<Req, Resp>, request: Req, metadata: grpc.Metadata): grpc.ClientReadableStream<Resp> {
    return this.client.makeServerStreamRequest<Req, Resp>(method.path, method.requestSerialize, method.responseDeserialize, request, metadata);
  }

  /** close shuts the channel; calls still running on it fail. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}
