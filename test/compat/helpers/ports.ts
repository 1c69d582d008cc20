import { createServer, type Server } from 'node:net';

/**
 * freePorts returns n distinct loopback TCP ports that were free a moment ago: it binds port 0 n times
 * (holding every listener until all are bound, so the kernel cannot hand out one port twice), reads the
 * ports and closes the listeners. Another process may take a port in between; the caller's readiness
 * check then fails with the store's log.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error(`unexpected listener address ${String(address)}`);
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
