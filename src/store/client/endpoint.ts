/**
 * Endpoint is one etcd client URL and the two HTTP/2 connections the client keeps to it: the unary calls
 * (every KV, Lease, Cluster and Maintenance request) go over a lean session of their own (h2-unary.ts), the
 * streams (Watch, LeaseKeepAlive, Maintenance.Snapshot) over a grpc-js channel, which connects only once a
 * stream is opened.
 *
 * connect() and connectStreams() are the gates every attempt passes before it sends anything: each resolves
 * once its connection is READY, or fails without sending — which is what lets the retry policy tell
 * "certainly not sent" from "sent, then the connection failed".
 */
import * as grpc from '@grpc/grpc-js';
import { ClientClosedError, ClientConfigError, EndpointUnavailableError } from './errors.js';
import { RECEIVE_WINDOW_BYTES } from './h2-connection.js';
import { H2UnaryTransport, type UnaryCall } from './h2-unary.js';

export type { UnaryCall } from './h2-unary.js';

/** CHANNEL_OPTIONS tune the streams' channel for fast failover and etcd-sized responses (h2-unary.ts mirrors them). */
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
  // A watch's HTTP/2 flow-control window (and the connection's): with HTTP/2's 64 KiB a client busy for a few
  // tens of milliseconds (an API server under load) stops a member's watch stream after some 25 pod events, and
  // the member then reads the rest back from disk. grpc-go's clients grow their window by BDP estimation up
  // to 16 MiB; grpc-js has no estimator, so the window starts large.
  'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES,
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

/** Endpoint owns the connections to one member's client URL. */
export class Endpoint {
  readonly url: string;
  /** failures counts consecutive failures (the pool's bookkeeping). */
  failures = 0;
  /** suspectUntil is the clock.monotonic() time until which the pool passes this endpoint over. */
  suspectUntil = 0;
  private readonly channel: grpc.Channel;
  private readonly client: grpc.Client;
  private readonly unaryTransport: H2UnaryTransport;
  private closed = false;

  constructor(address: EndpointAddress) {
    this.url = address.url;
    this.unaryTransport = new H2UnaryTransport(`${address.secure ? 'https' : 'http'}://${address.target}`);
    const credentials = address.secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    this.channel = new grpc.Channel(address.target, credentials, CHANNEL_OPTIONS);
    this.client = new grpc.Client(address.target, credentials, { channelOverride: this.channel });
  }

  /**
   * failing is true while either connection reports TRANSIENT_FAILURE (its last attempt failed), without
   * starting a connection.
   */
  failing(): boolean {
    return (
      !this.closed &&
      (this.unaryTransport.state === grpc.connectivityState.TRANSIENT_FAILURE ||
        this.channel.getConnectivityState(false) === grpc.connectivityState.TRANSIENT_FAILURE)
    );
  }

  /**
   * connect resolves once the unary calls' session is READY. With failFast it rejects as soon as a
   * connection attempt fails (the endpoint is down); otherwise it waits through failures for a reconnection
   * (backoff 100 ms doubling to 1 s), up to timeoutMs. It rejects with EndpointUnavailableError(maybeApplied:
   * false), or ClientClosedError after close(): nothing was sent.
   */
  connect(timeoutMs: number, failFast: boolean): Promise<void> {
    return this.unaryTransport.connect(timeoutMs, failFast);
  }

  /** connectStreams is connect for the streams' grpc-js channel, with the same contract. */
  connectStreams(timeoutMs: number, failFast: boolean): Promise<void> {
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

  /**
   * unary starts a unary call on the unary session, which must be READY (connect first), to complete by
   * deadline (a Date.now() time); metadata are extra request headers. It fails with a GrpcStatusError.
   */
  unary<Req, Resp>(method: Method<Req, Resp>, request: Req, metadata: Readonly<Record<string, string>>, deadline: number): UnaryCall<Resp> {
    return this.unaryTransport.unary(method, request, metadata, deadline);
  }

  /** bidi opens a bidirectional stream (Watch, LeaseKeepAlive) with no deadline. */
  bidi<Req, Resp>(method: Method<Req, Resp>, metadata: grpc.Metadata): grpc.ClientDuplexStream<Req, Resp> {
    return this.client.makeBidiStreamRequest<Req, Resp>(method.path, method.requestSerialize, method.responseDeserialize, metadata);
  }

  /** serverStream starts a server-streaming call (Maintenance.Snapshot) with no deadline. */
  serverStream<Req, Resp>(method: Method<Req, Resp>, request: Req, metadata: grpc.Metadata): grpc.ClientReadableStream<Resp> {
    return this.client.makeServerStreamRequest<Req, Resp>(method.path, method.requestSerialize, method.responseDeserialize, request, metadata);
  }

  /** close shuts both connections; calls and streams still running on them fail. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unaryTransport.close();
    this.client.close();
  }
}
