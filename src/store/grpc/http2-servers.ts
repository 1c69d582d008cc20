/**
 * Hooks into the HTTP/2 servers grpc-js creates for a gRPC server, and the receive window the store's servers
 * give their clients.
 *
 * grpc-js has no public hook for its HTTP/2 servers: it creates them in one method (createHttp2Server,
 * grpc-js 1.x), which onHttp2Servers wraps on the instance. If a grpc-js version drops that method, it
 * returns false and the caller logs it; the hooks are then simply not installed.
 *
 * Receive windows: HTTP/2 starts every connection and stream with a 64 KiB flow-control window, and Node
 * (like grpc-js) never grows it. A client with many calls in flight — an API server writing pods for a
 * thousand kubelets — then sends 64 KiB, waits for the store's WINDOW_UPDATE, sends the next 64 KiB, and a
 * store busy for a few milliseconds holds every request behind it (requests queued for seconds, some past
 * their 10 s deadline, were seen so). grpc-go's servers, etcd's, grow their windows by BDP estimation up to
 * 16 MiB; these start at RECEIVE_WINDOW_BYTES (4 MiB), the window capstan's etcd client gives its own
 * connections (h2-connection.ts).
 */
import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { RECEIVE_WINDOW_BYTES } from '../client/h2-connection.js';

/** onHttp2Servers calls hook with every HTTP/2 server grpc-js creates for server from now on; false if it cannot. */
export function onHttp2Servers(server: grpc.Server, hook: (h2: http2.Http2Server) => void): boolean {
  const target = server as unknown as { createHttp2Server?: (credentials: unknown) => http2.Http2Server };
  const create = target.createHttp2Server;
  if (typeof create !== 'function') return false;
  target.createHttp2Server = (credentials: unknown): http2.Http2Server => {
    const h2 = create.call(server, credentials);
    hook(h2);
    return h2;
  };
  return true;
}

/**
 * widenReceiveWindows gives every session of h2 a receive window of bytes for each stream (in the SETTINGS a
 * new session opens with) and for the connection (a WINDOW_UPDATE right after them).
 */
export function widenReceiveWindows(h2: http2.Http2Server, bytes = RECEIVE_WINDOW_BYTES): void {
  h2.updateSettings({ initialWindowSize: bytes });
  h2.on('session', (session: http2.ServerHttp2Session) => {
    if (!session.destroyed) session.setLocalWindowSize(bytes);
  });
}
