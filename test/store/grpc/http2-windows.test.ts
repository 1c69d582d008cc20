/**
 * HTTP/2 receive windows (http2-servers.ts, h2-connection.ts): the store's client and peer servers and the
 * etcd client's connections grant 4 MiB per stream and per connection instead of HTTP/2's 64 KiB, so many
 * calls in flight do not queue behind WINDOW_UPDATEs. Checked from the other end of real connections: the
 * window a peer grants is what this side may send.
 */
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { openSession, RECEIVE_WINDOW_BYTES } from '../../../src/store/client/h2-connection.js';
import { onHttp2Servers, widenReceiveWindows } from '../../../src/store/grpc/http2-servers.js';
import { useStore } from '../../compat/helpers/store.js';

const DEFAULT_WINDOW = 65_535;
const FOUR_MIB = 4 * 1024 * 1024;

/** pinged resolves once session's PING is answered: the peer has sent everything it sent before the answer. */
function pinged(session: http2.Http2Session): Promise<void> {
  return new Promise((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
}

/**
 * granted connects to url and resolves to the stream and connection windows it is given. The server's
 * SETTINGS and WINDOW_UPDATE come before its answer to a request and to a PING after it (the store's first
 * SETTINGS come from its connection sniffer, h2-sniffer.ts, and the server's own once a request was seen).
 */
async function granted(url: string): Promise<{ stream: number; connection: number }> {
  const session = http2.connect(url);
  try {
    session.on('error', () => undefined);
    const req = session.request({ ':path': '/', ':method': 'POST', 'content-type': 'application/grpc' });
    req.on('error', () => undefined);
    req.resume();
    req.end();
    await new Promise<void>((resolve) => req.once('close', resolve));
    await pinged(session);
    return { stream: session.remoteSettings.initialWindowSize!, connection: session.state.remoteWindowSize! };
  } finally {
    session.destroy();
  }
}

/** grpcServer binds a gRPC server on a free loopback port, with or without the windows widened. */
async function grpcServer(widen: boolean): Promise<{ url: string; server: grpc.Server }> {
  const server = new grpc.Server();
  if (widen) expect(onHttp2Servers(server, (h2) => widenReceiveWindows(h2))).toBe(true);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { url: `http://127.0.0.1:${port}`, server };
}

describe('HTTP/2 receive windows', () => {
  const servers: grpc.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.forceShutdown();
  });

  it('a gRPC server with widenReceiveWindows grants 4 MiB per stream and per connection; without, HTTP/2\'s 64 KiB', async () => {
    expect(RECEIVE_WINDOW_BYTES).toBe(FOUR_MIB);
    const wide = await grpcServer(true);
    const narrow = await grpcServer(false);
    servers.push(wide.server, narrow.server);
    expect(await granted(wide.url)).toEqual({ stream: FOUR_MIB, connection: FOUR_MIB });
    expect(await granted(narrow.url)).toEqual({ stream: DEFAULT_WINDOW, connection: DEFAULT_WINDOW });
  });

  it('the etcd client\'s connections grant 4 MiB per stream and per connection to the server', async () => {
    const server = http2.createServer();
    const seen = new Promise<{ stream: number; connection: number }>((resolve) => {
      server.on('session', (s: http2.ServerHttp2Session) => {
        // The client's WINDOW_UPDATE follows its SETTINGS, and comes before its answer to a PING sent after them.
        s.once('remoteSettings', (settings: http2.Settings) => {
          void pinged(s).then(() => resolve({ stream: settings.initialWindowSize!, connection: s.state.remoteWindowSize! }));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const session = openSession(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    try {
      expect(await seen).toEqual({ stream: FOUR_MIB, connection: FOUR_MIB });
    } finally {
      session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe('a real store member', () => {
    const store = useStore({ name: 'windows' });
    it('grants them on its client and its peer URLs', async () => {
      expect(await granted(store().endpoint)).toEqual({ stream: FOUR_MIB, connection: FOUR_MIB });
      expect(await granted(store().peerUrl)).toEqual({ stream: FOUR_MIB, connection: FOUR_MIB });
    });
  });
});
