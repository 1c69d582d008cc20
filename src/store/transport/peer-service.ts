import * as grpc from '@grpc/grpc-js';
import type { Message } from '../../raft/index.js';
import type { Logger } from '../../util/logger.js';
import {
  decodeBatch,
  decodeLeaseRequest,
  decodeSnapshotChunk,
  encodeAck,
  encodeLeaseAnswer,
  type LeaseAnswer,
} from './peer-codec.js';
import { onHttp2Servers, widenReceiveWindows } from '../grpc/http2-servers.js';
import { PeerFaults } from './peer-faults.js';
import { MEMBER_REMOVED_MESSAGE } from '../membership.js';
import { encodeMembersResponse, MEMBERS_METHOD, type ClusterView } from './peer-members.js';
import { PEER_MAX_MESSAGE_BYTES, type PeerTraffic } from './peer-transport.js';

/** PeerHost is what the peer service needs from the member: where messages go and what it may answer. */
export interface PeerHost {
  readonly clusterId: bigint;
  readonly memberId: bigint;
  /** isPeer reports whether id is a member (voter or learner) of the cluster. */
  isPeer(id: bigint): boolean;
  /** isRemoved reports whether id was removed from the cluster (its messages are refused for good). */
  isRemoved(id: bigint): boolean;
  /** clusterView is the cluster ID, members and removed IDs, for a member joining an existing cluster. */
  clusterView(): ClusterView;
  /** stepPeer hands a received message to the Raft core. */
  stepPeer(m: Message): void;
  /** receiveSnapshot installs a received snapshot's data, then steps its MsgSnap. */
  receiveSnapshot(m: Message, data: Buffer): Promise<void>;
  /** peerStreamClosed is told that the message stream from a peer ended (its process may have died). */
  peerStreamClosed(from: bigint): void;
  /** leaseRenew and leaseTimeToLive answer a follower's lease request (leader only). */
  leaseRenew(id: bigint): LeaseAnswer;
  leaseTimeToLive(id: bigint): LeaseAnswer;
}

const identity = (b: Buffer): Buffer => b;

function method(path: string, requestStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

/** RAFT_SERVICE is capstanpb.Raft with raw-byte serializers (the codec runs in the handlers). */
export const RAFT_SERVICE: grpc.ServiceDefinition = {
  Stream: method('/capstanpb.Raft/Stream', true),
  Snapshot: method('/capstanpb.Raft/Snapshot', true),
  LeaseRenew: method('/capstanpb.Raft/LeaseRenew', false),
  LeaseTimeToLive: method('/capstanpb.Raft/LeaseTimeToLive', false),
  Members: method(MEMBERS_METHOD, false),
};

/**
 * PeerServer listens on the member's peer URLs and serves capstanpb.Raft: it checks that every batch comes
 * from a member of this cluster (cluster ID and member ID), steps the messages into the core in order, and
 * tells the member when a peer's stream ends.
 */
export class PeerServer {
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': PEER_MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': PEER_MAX_MESSAGE_BYTES,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5000,
  });

  constructor(
    private readonly host: PeerHost,
    private readonly log: Logger,
    private readonly faults: PeerFaults = new PeerFaults(),
    private readonly traffic?: PeerTraffic,
  ) {
    // A leader's batches to a follower are often larger than HTTP/2's 64 KiB window (http2-servers.ts).
    if (!onHttp2Servers(this.server, (h2) => widenReceiveWindows(h2))) log.warn('peer: this grpc-js has no createHttp2Server; peer streams keep 64 KiB windows');
    this.server.addService(RAFT_SERVICE, {
      Stream: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => this.stream(call, callback),
      Snapshot: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => this.snapshot(call, callback),
      LeaseRenew: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        this.lease(call, callback, 'LeaseRenew'),
      LeaseTimeToLive: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        this.lease(call, callback, 'LeaseTimeToLive'),
      Members: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, encodeMembersResponse(this.host.clusterView())),
    });
  }

  /** listen binds a peer URL's host and port. */
  listen(url: URL): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${url.hostname}:${url.port}`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  private refuse(from: bigint, clusterId: bigint): string | undefined {
    if (clusterId !== this.host.clusterId) return `cluster ID mismatch: ${clusterId.toString(16)} is not ${this.host.clusterId.toString(16)}`;
    if (this.host.isRemoved(from)) return MEMBER_REMOVED_MESSAGE;
    if (!this.host.isPeer(from)) return `member ${from.toString(16)} is not in this cluster`;
    return undefined;
  }

  private stream(call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void {
    let from: bigint | undefined;
    let done = false;
    const finish = (err: grpc.ServiceError | null): void => {
      if (done) return;
      done = true;
      if (from !== undefined) this.host.peerStreamClosed(from);
      if (err === null) callback(null, encodeAck('StreamAck'));
      else callback(err);
    };
    call.on('data', (bytes: Buffer) => {
      if (done) return;
      let batch;
      try {
        batch = decodeBatch(bytes);
        this.traffic?.received(batch.from, bytes.length);
      } catch (err) {
        finish({ name: 'Error', message: String(err), code: grpc.status.INVALID_ARGUMENT, details: `malformed peer batch: ${(err as Error).message}`, metadata: new grpc.Metadata() });
        return;
      }
      const why = this.refuse(batch.from, batch.clusterId);
      if (why !== undefined) {
        this.log.warn({ from: batch.from.toString(16), reason: why }, 'transport: refused a peer stream');
        finish({ name: 'Error', message: why, code: grpc.status.FAILED_PRECONDITION, details: why, metadata: new grpc.Metadata() });
        return;
      }
      if (from === undefined) {
        // Headers go back once the first batch is accepted, so the sender knows its stream is up (peer-transport.ts
        // resets its backoff and counts the peer active on them) rather than only when the stream ends.
        call.sendMetadata(new grpc.Metadata());
      }
      from = batch.from;
      // A partition loses the messages and keeps the stream: nothing tells the core but silence.
      if (this.faults.dropsFrom(batch.from)) return;
      for (const m of batch.messages) {
        if (m.from !== batch.from || m.to !== this.host.memberId) continue;
        this.host.stepPeer(m);
      }
    });
    call.on('end', () => finish(null));
    call.on('error', () => finish(null));
    call.on('cancelled', () => finish(null));
  }

  private snapshot(call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void {
    let message: Message | undefined;
    const parts: Buffer[] = [];
    let failed = false;
    const fail = (code: grpc.status, details: string): void => {
      if (failed) return;
      failed = true;
      callback({ code, details });
    };
    call.on('data', (bytes: Buffer) => {
      if (failed) return;
      let c;
      try {
        c = decodeSnapshotChunk(bytes);
        this.traffic?.received(c.from, bytes.length);
      } catch (err) {
        fail(grpc.status.INVALID_ARGUMENT, `malformed snapshot chunk: ${(err as Error).message}`);
        return;
      }
      const why = this.refuse(c.from, c.clusterId);
      if (why !== undefined) {
        fail(grpc.status.FAILED_PRECONDITION, why);
        return;
      }
      if (this.faults.dropsFrom(c.from)) {
        fail(grpc.status.UNAVAILABLE, 'the sender is cut off by fault injection');
        return;
      }
      if (c.message !== undefined) message = c.message;
      if (c.data.length > 0) parts.push(c.data);
      if (!c.last) return;
      if (message === undefined || message.type !== 'MsgSnap') {
        fail(grpc.status.INVALID_ARGUMENT, 'snapshot stream without its MsgSnap message');
        return;
      }
      const m = message;
      this.host.receiveSnapshot(m, Buffer.concat(parts)).then(
        () => callback(null, encodeAck('SnapshotAck', true)),
        (err: unknown) => fail(grpc.status.INTERNAL, `installing the snapshot failed: ${(err as Error).message}`),
      );
    });
    call.on('error', () => undefined);
  }

  private lease(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>, kind: 'LeaseRenew' | 'LeaseTimeToLive'): void {
    try {
      const r = decodeLeaseRequest(`${kind}Request`, call.request);
      if (r.clusterId !== this.host.clusterId) {
        callback({ code: grpc.status.FAILED_PRECONDITION, details: 'cluster ID mismatch' });
        return;
      }
      const a = kind === 'LeaseRenew' ? this.host.leaseRenew(r.id) : this.host.leaseTimeToLive(r.id);
      callback(null, encodeLeaseAnswer(`${kind}Response`, a));
    } catch (err) {
      callback({ code: grpc.status.FAILED_PRECONDITION, details: (err as Error).message });
    }
  }

  stop(): Promise<void> {
    this.server.forceShutdown();
    return Promise.resolve();
  }
}
