/**
 * A stand-in API server replica for the load-balancer tests, run as its own process:
 * `node --import tsx test/lb/backend-server.ts <name> <port>`.
 *
 * - `GET /readyz`: 200 `ok`, or 503 after `POST /control/unready` (until `POST /control/ready`).
 * - `GET /whoami`: the replica's name.
 * - `GET /stream`: a response that never ends, one line `<name> <n>` every 50 ms, like a watch.
 *
 * It prints `listening <port>` on stdout once it accepts connections.
 */
import { createServer } from 'node:http';

const [name, portArg] = process.argv.slice(2);
if (name === undefined || portArg === undefined) {
  process.stderr.write('usage: backend-server.ts <name> <port>\n');
  process.exit(2);
}

let ready = true;
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://backend').pathname;
  if (path === '/readyz') {
    res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ready ? 'ok' : 'not ready');
  } else if (path === '/whoami') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(name);
  } else if (path === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const write = (): void => void res.write(`${name} ${String(n++)}\n`);
    write();
    const t = setInterval(write, 50);
    res.on('close', () => clearInterval(t));
  } else if (path === '/control/unready' && req.method === 'POST') {
    ready = false;
    res.end('ok');
  } else if (path === '/control/ready' && req.method === 'POST') {
    ready = true;
    res.end('ok');
  } else {
    res.writeHead(404);
    res.end();
  }
});
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write(`listening ${portArg}\n`));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
