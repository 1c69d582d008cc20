/**
 * ApiClient is the benchmarks' thin API server client: JSON requests over keep-alive connections (plain HTTP to
 * a loopback port, or HTTPS with a CA and bearer token through the LB) and watches read as JSON lines. It is
 * deliberately not src/components/client: a load generator should cost as little as possible per request.
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** ApiClientOptions say how to reach the API server. */
export interface ApiClientOptions {
  /** maxSockets bounds the keep-alive connections of requests (watches get their own). */
  readonly maxSockets: number;
  /** token is sent as a bearer token. */
  readonly token?: string;
  /** ca verifies an https server. */
  readonly ca?: string;
}

/** ApiClient sends requests to one base URL; see the module comment. */
export class ApiClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly auth: Record<string, string>;

  constructor(
    private readonly base: URL,
    private readonly opts: ApiClientOptions,
  ) {
    const tls = base.protocol === 'https:';
    this.transport = tls ? https : http;
    this.agent = tls ? new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets, ...(opts.ca === undefined ? {} : { ca: opts.ca }) }) : new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets });
    this.auth = opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` };
  }

  /** request sends one JSON request and resolves to the status and body text. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers: { ...this.auth, accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** watch opens a watch on its own connection and calls onLine with every line; resolves to a closer once the server answered. */
  watch(path: string, onLine: (line: string) => void): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        { agent: false, host: this.base.hostname, port: this.base.port, method: 'GET', path, headers: this.auth, ...(this.opts.ca === undefined ? {} : { ca: this.opts.ca }) },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`watch: HTTP ${res.statusCode}`));
            return;
          }
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            buf += d;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim() !== '') onLine(line);
            }
          });
          res.on('error', () => undefined);
          resolve(() => req.destroy());
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** close ends the keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
