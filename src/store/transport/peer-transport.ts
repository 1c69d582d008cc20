import * as grpc from '@grpc/grpc-js';
import type { Message } from '../../raft/index.js';
import type { Logger } from '../../util/logger.js';
import { MEMBER_REMOVED_MESSAGE } from '../membership.js';
import {
  decodeAck,
  decodeLeaseAnswer,
  encodeBatch,
  encodeLeaseRequest,
  encodeSnapshotChunk,
  type LeaseAnswer,
} from './peer-codec.js';
import { PeerFaults } from './peer-faults.js';
import { MEMBERS_METHOD } from './peer-members.js';

/** PEER_MAX_MESSAGE_BYTES bounds one peer message (a batch of MsgApps or a snapshot chunk). */
export const PEER_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const identity = (b: Buffer): Buffer => b;

/** PROBE_TIMEOUT_MS bounds a round-trip probe (etcd's prober gives up after its 5 s read timeout). */
const PROBE_TIMEOUT_MS = 5000;

/** SnapshotSource is what the leader streams to a follower that needs a snapshot. */
export interface SnapshotSource {
  /** chunks yields the store's state in the capstan snapshot format. */
  chunks(): AsyncIterable<Buffer>;
}

/** TransportHost is what the transport needs from the member it serves. */
export interface TransportHost {
  readonly clusterId: bigint;
  readonly memberId: bigint;
  reportUnreachable(id: bigint): void;
  reportSnapshot(id: bigint, status: 'finish' | 'failure'): void;
  snapshotSource(): SnapshotSource;
  /** peerStreamClosed is told that the stream to a peer broke (its process may have died). */
  peerStreamClosed(id: bigint): void;
  /** removedByPeer is told that a peer refused this member because it was removed from the cluster. */
  removedByPeer(id: bigint): void;
}

/**
 * PeerTraffic is told of the traffic with peers, for the member's metrics (etcd's etcd_network_peer_* series):
 * bytes sent and received, messages dropped for want of a stream, and the stream to each peer going up or down.
 */
export interface PeerTraffic {
  sent(to: bigint, bytes: number): void;
  received(from: bigint, bytes: number): void;
  sendFailed(to: bigint, messages: number): void;
  connected(peer: bigint): void;
  disconnected(peer: bigint): void;
  /** roundTrip is told how long a probe of a peer took to be answered. */
  roundTrip(to: bigint, seconds: number): void;
}

/**
 * A broken peer stream is dialled again after 50 ms, then every 100 ms at most — etcd's rafthttp dials a peer
 * at most every 100 ms (DialRetryFrequency), with no longer backoff. A peer that was down for a while (a member
 * restarting) then hears from the leader within about 100 ms of listening again; with a backoff up to 1 s it
 * waited 0.5 s on average for the leader's next try, on top of its own start.
 */
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 100;

/**
 * Peer is the connection to one other member: a long-lived client stream carrying message batches in
 * order (pipelined: the sender never waits for an answer), redialled every 100 ms at most. While it
 * is down, messages are dropped and the core is told the peer is unreachable, so it falls back to probing.
 */
class Peer {
  private client: grpc.Client;
  private stream: grpc.ClientWritableStream<Buffer> | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private retryAt = 0;
  private closed = false;
  /** up is whether the current stream has been answered (counted as an active peer). */
  private up = false;
  sentBatches = 0;

  constructor(
    readonly id: bigint,
    readonly url: string,
    private readonly host: TransportHost,
    private readonly log: Logger,
    private readonly traffic: PeerTraffic | undefined,
  ) {
    this.client = makeClient(url);
  }

  /** send writes one batch; without a stream (and before the backoff allows a new one) it drops them. */
  send(msgs: Message[]): void {
    if (this.closed) return;
    const s = this.stream ?? this.connect();
    if (s === undefined) {
      this.traffic?.sendFailed(this.id, msgs.length);
      this.host.reportUnreachable(this.id);
      return;
    }
    const batch = encodeBatch({ clusterId: this.host.clusterId, from: this.host.memberId, messages: msgs });
    s.write(batch);
    this.traffic?.sent(this.id, batch.length);
    this.sentBatches++;
  }

  private connect(): grpc.ClientWritableStream<Buffer> | undefined {
    if (Date.now() < this.retryAt) return undefined;
    const s = this.client.makeClientStreamRequest<Buffer, Buffer>('/capstanpb.Raft/Stream', identity, identity, (err) => {
      if (this.stream === s) {
        this.stream = undefined;
        this.setUp(false);
      }
      if (err !== null && !this.closed) {
        this.retryAt = Date.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
        this.log.debug({ peer: this.id.toString(16), code: err.code, details: err.details }, 'transport: peer stream closed');
        this.host.reportUnreachable(this.id);
        this.host.peerStreamClosed(this.id);
        if (err.details === MEMBER_REMOVED_MESSAGE) this.host.removedByPeer(this.id);
      }
    });
    s.on('error', () => undefined);
    // The stream counts as up once the peer has answered its headers; then backoff starts over.
    s.on('metadata', () => {
      this.backoffMs = BACKOFF_MIN_MS;
      if (this.stream === s) this.setUp(true);
    });
    this.stream = s;
    return s;
  }

  private setUp(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    if (up) this.traffic?.connected(this.id);
    else this.traffic?.disconnected(this.id);
  }

  /** sendSnapshot streams the store's state with the MsgSnap message and reports the outcome to the core. */
  async sendSnapshot(m: Message): Promise<void> {
    const started = Date.now();
    let bytes = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const call = this.client.makeClientStreamRequest<Buffer, Buffer>('/capstanpb.Raft/Snapshot', identity, identity, (err, resp) => {
          if (err !== null) reject(err);
          else if (resp === undefined || !decodeAck('SnapshotAck', resp).applied) reject(new Error('peer did not apply the snapshot'));
          else resolve();
        });
        call.on('error', () => undefined);
        void (async () => {
          const write = async (b: Buffer): Promise<void> => {
            bytes += b.length;
            this.traffic?.sent(this.id, b.length);
            if (!call.write(b)) await new Promise<void>((r) => call.once('drain', r));
          };
          await write(encodeSnapshotChunk({ clusterId: this.host.clusterId, from: this.host.memberId, message: m, data: Buffer.alloc(0), last: false }));
          for await (const chunk of this.host.snapshotSource().chunks()) {
            await write(encodeSnapshotChunk({ clusterId: this.host.clusterId, from: this.host.memberId, data: chunk, last: false }));
          }
          await write(encodeSnapshotChunk({ clusterId: this.host.clusterId, from: this.host.memberId, data: Buffer.alloc(0), last: true }));
          call.end();
        })().catch((err: unknown) => {
          call.cancel();
          reject(err);
        });
      });
      this.log.info({ peer: this.id.toString(16), index: m.snapshot?.metadata.index, bytes, ms: Date.now() - started }, 'transport: snapshot sent');
      this.host.reportSnapshot(this.id, 'finish');
    } catch (err) {
      this.log.warn({ peer: this.id.toString(16), err }, 'transport: snapshot send failed');
      this.host.reportSnapshot(this.id, 'failure');
    }
  }

  /**
   * probe times one round trip to this peer — a Members call, which every capstan member answers at once — and
   * reports it; a probe that fails or takes over 5 s reports nothing (etcd's prober keeps no failed samples).
   */
  probe(): void {
    if (this.closed || this.traffic === undefined) return;
    const traffic = this.traffic;
    const started = performance.now();
    this.client.makeUnaryRequest<Buffer, Buffer>(MEMBERS_METHOD, identity, identity, Buffer.alloc(0), { deadline: Date.now() + PROBE_TIMEOUT_MS }, (err) => {
      if (err === null) traffic.roundTrip(this.id, (performance.now() - started) / 1000);
    });
  }

  /** lease asks this peer (the leader) to renew a lease or report its TTL. */
  lease(kind: 'LeaseRenew' | 'LeaseTimeToLive', id: bigint, timeoutMs: number): Promise<LeaseAnswer> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        `/capstanpb.Raft/${kind}`,
        identity,
        identity,
        encodeLeaseRequest(`${kind}Request`, { clusterId: this.host.clusterId, id }),
        { deadline: Date.now() + timeoutMs },
        (err, resp) => {
          if (err !== null) reject(err);
          else resolve(decodeLeaseAnswer(`${kind}Response`, resp!));
        },
      );
    });
  }

  close(): void {
    this.closed = true;
    this.stream?.end();
    this.stream = undefined;
    this.setUp(false);
    this.client.close();
  }
}

function makeClient(url: string): grpc.Client {
  const u = new URL(url);
  return new grpc.Client(`${u.hostname}:${u.port}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': PEER_MAX_MESSAGE_BYTES,
    'grpc.max_receive_message_length': PEER_MAX_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.initial_reconnect_backoff_ms': BACKOFF_MIN_MS,
    'grpc.max_reconnect_backoff_ms': BACKOFF_MAX_MS,
  });
}

/**
 * PeerTransport sends Raft messages to the other members over gRPC streams: one ordered stream per peer,
 * each Ready's messages to a peer in one batch; MsgSnap goes as a separate snapshot stream. Messages to a
 * peer that faults cut off are dropped silently, as a partitioned network loses them (peer-faults.ts).
 */
export class PeerTransport {
  private readonly peers = new Map<bigint, Peer>();

  constructor(
    private readonly host: TransportHost,
    private readonly log: Logger,
    private readonly faults: PeerFaults = new PeerFaults(),
    private readonly traffic?: PeerTraffic,
  ) {}

  /** setPeers makes the transport's peer set match the membership (IDs to peer URLs). */
  setPeers(urls: Map<bigint, string>): void {
    for (const [id, p] of this.peers) {
      if (!urls.has(id) || urls.get(id) !== p.url) {
        p.close();
        this.peers.delete(id);
      }
    }
    for (const [id, url] of urls) {
      if (id === this.host.memberId || this.peers.has(id)) continue;
      this.peers.set(id, new Peer(id, url, this.host, this.log, this.traffic));
    }
  }

  send(msgs: Message[]): void {
    if (msgs.length === 0) return;
    const byPeer = new Map<bigint, Message[]>();
    for (const m of msgs) {
      if (this.faults.dropsTo(m.to)) {
        // A snapshot stream that cannot get through fails, as its gRPC call would.
        if (m.type === 'MsgSnap') void Promise.resolve().then(() => this.host.reportSnapshot(m.to, 'failure'));
        continue;
      }
      const p = this.peers.get(m.to);
      if (p === undefined) {
        this.log.debug({ to: m.to.toString(16), type: m.type }, 'transport: message to an unknown member dropped');
        continue;
      }
      if (m.type === 'MsgSnap') {
        void p.sendSnapshot(m);
        continue;
      }
      let list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, (list = []));
      list.push(m);
    }
    for (const [id, list] of byPeer) this.peers.get(id)!.send(list);
  }

  /** probe measures the round trip to every peer not cut off by fault injection. */
  probe(): void {
    for (const [id, p] of this.peers) if (!this.faults.dropsTo(id)) p.probe();
  }

  /** lease forwards a lease request to the leader's peer endpoint. */
  lease(leader: bigint, kind: 'LeaseRenew' | 'LeaseTimeToLive', id: bigint, timeoutMs: number): Promise<LeaseAnswer> {
    const p = this.peers.get(leader);
    if (p === undefined) return Promise.reject(new Error(`no peer ${leader.toString(16)}`));
    if (this.faults.dropsTo(leader)) return Promise.reject(new Error(`peer ${leader.toString(16)} is cut off by fault injection`));
    return p.lease(kind, id, timeoutMs);
  }

  stop(): Promise<void> {
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
    return Promise.resolve();
  }
}
