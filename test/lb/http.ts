/**
 * Small HTTP clients for the load-balancer tests. Every request opens its own connection (no agent,
 * `connection: close`), so each one is a new placement decision of the balancer.
 */
import { request, type IncomingMessage } from 'node:http';

/** HttpAnswer is a complete response. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** httpGet GETs path from 127.0.0.1:port on a fresh connection, failing after timeoutMs. */
export function httpGet(port: number, path: string, timeoutMs = 5_000, method = 'GET'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} on port ${String(port)}: no answer within ${String(timeoutMs)} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Stream is an endless response being read, like a watch: it records every line, and whether and how it
 * ended. nextLine() waits (with a deadline) for a line beyond those already seen.
 */
export class Stream {
  readonly lines: string[] = [];
  ended: string | undefined;
  private waiters: (() => void)[] = [];
  private buffered = '';

  constructor(private readonly req: ReturnType<typeof request>) {}

  /** backend is the name of the replica serving the stream (the first word of its lines). */
  get backend(): string {
    return this.lines[0]?.split(' ')[0] ?? '';
  }

  /** nextLine resolves with the next line after the ones seen so far, or rejects after timeoutMs or at the end. */
  async nextLine(timeoutMs = 2_000): Promise<string> {
    const seen = this.lines.length;
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length <= seen) {
      if (this.ended !== undefined) throw new Error(`stream ended (${this.ended}) after ${String(seen)} lines`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no new stream line within ${String(timeoutMs)} ms (${String(seen)} lines so far)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.lines[seen] ?? '';
  }

  /** close ends the stream from the client side. */
  close(): void {
    this.req.destroy();
  }

  /** attach wires the response (internal). */
  attach(res: IncomingMessage): void {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffered += chunk;
      const parts = this.buffered.split('\n');
      this.buffered = parts.pop() ?? '';
      this.lines.push(...parts);
      this.wake();
    });
    res.on('end', () => this.finish('end'));
    res.on('error', (err) => this.finish(`error: ${err.message}`));
    res.on('close', () => this.finish('close'));
  }

  /** finish records how the stream ended (internal). */
  finish(how: string): void {
    this.ended ??= how;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** openStream GETs /stream through port and resolves once the first line has arrived. */
export async function openStream(port: number): Promise<Stream> {
  const req = request({ host: '127.0.0.1', port, path: '/stream', agent: false });
  const stream = new Stream(req);
  await new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET /stream answered ${String(res.statusCode)}`));
      stream.attach(res);
      resolve();
    });
    req.on('error', (err) => {
      stream.finish(`error: ${err.message}`);
      reject(err);
    });
    req.end();
  });
  await stream.nextLine();
  return stream;
}
