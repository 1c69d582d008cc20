import * as http from 'node:http';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../util/logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import { AuthorityFixingStream } from './h2-authority.js';
import { sniffConnection } from './h2-sniffer.js';
import { LISTEN_BACKLOG } from '../util/listen.js';

/** SNIFF_TIMEOUT_MS is how long a gRPC connection may take to send its first request before it gets the fixer. */
const SNIFF_TIMEOUT_MS = 2000;

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * ClientListener serves gRPC and plain HTTP on one port, as etcd does with cmux: it reads the first bytes of
 * each connection; the HTTP/2 connection preface means gRPC (handed to grpc-js through its connection
 * injector), anything else is HTTP/1.1 (/health, /metrics, /version…).
 */
export class ClientListener {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private closing: Promise<unknown> | undefined;

  constructor(
    private readonly grpcServer: grpc.Server,
    private readonly httpServer: http.Server,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  /** listen binds host:port (port 0 picks a free one) and resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    const injector = this.grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.setNoDelay(true);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const n = Math.min(head.length, HTTP2_PREFACE.length);
        const isGrpc = head.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
        if (isGrpc && head.length < HTTP2_PREFACE.length) return; // wait for the whole preface
        socket.off('data', onData);
        if (isGrpc) {
          // The native socket if the client's first request needs no :authority fix, else through the fixer
          // (see h2-sniffer.ts and h2-authority.ts). Either way the bytes read so far go back first.
          sniffConnection(socket, head, this.clock, SNIFF_TIMEOUT_MS).then(
            (r) => {
              socket.unshift(r.bytes);
              if (r.native) {
                // The HTTP/2 session reads the socket's handle itself, after what was unshifted.
                injector.injectConnection(socket);
              } else {
                injector.injectConnection(new AuthorityFixingStream(socket, { dropSettingsAck: r.dropSettingsAck }));
                socket.resume();
              }
            },
            () => socket.destroy(),
          );
          return;
        }
        // HTTP/1.1 reads through 'data' events: let the unshifted request flow to its parser.
        socket.pause();
        socket.unshift(head);
        this.httpServer.emit('connection', socket);
        socket.resume();
      };
      socket.on('data', onData);
      socket.on('error', (err) => this.log.debug({ err }, 'listener: connection error'));
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        const addr = server.address() as net.AddressInfo;
        resolve(addr.port);
      });
    });
  }

  /**
   * stopAccepting refuses new connections at once and leaves open ones alone: a client whose connection is
   * being drained (HTTP/2 GOAWAY) and reconnects gets ECONNREFUSED — nothing sent, so it resends elsewhere —
   * instead of a fresh session on a member about to cut it.
   */
  stopAccepting(): void {
    if (this.closing !== undefined) return;
    this.closing = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  /** close stops accepting, and ends open connections. */
  async close(): Promise<void> {
    // server.close waits for every connection to end: end them first, or a client's idle channel holds it open.
    this.stopAccepting();
    for (const s of this.sockets) s.destroy();
    await this.closing;
  }
}
