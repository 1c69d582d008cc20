/**
 * WriteLoad keeps a steady stream of puts going through capstan's own etcd client (src/store/client), which
 * spreads requests over every endpoint it is given and resends only what certainly was not applied. Each
 * worker writes its own keys in sequence; the load records every acknowledged put with its revision and
 * every failed one, so a test can assert that no write failed and every acknowledged write is there.
 */
import { EtcdClient } from '../../../src/store/client/index.js';
import { waitFor } from '../../compat/helpers/wait.js';

/** WriteLoadResult is what a load did: the acknowledged keys (with revisions) and the failures. */
export interface WriteLoadResult {
  acked: Map<string, number>;
  failures: string[];
}

/** WriteLoad is a running write load; stop() ends it and resolves with its result. */
export class WriteLoad {
  private stopping = false;
  private readonly acked = new Map<string, number>();
  private readonly failures: string[] = [];
  private readonly workers: Promise<void>[];
  private readonly client: EtcdClient;

  constructor(
    endpoints: readonly string[],
    readonly prefix: string,
    concurrency = 4,
  ) {
    this.client = new EtcdClient({ endpoints, dialTimeoutMs: 1_000, requestTimeoutMs: 15_000 });
    this.workers = Array.from({ length: concurrency }, (_, w) => this.worker(w));
  }

  /** count is how many puts were acknowledged so far. */
  get count(): number {
    return this.acked.size;
  }

  /** failed is how many puts failed so far. */
  get failed(): number {
    return this.failures.length;
  }

  private async worker(w: number): Promise<void> {
    for (let i = 0; !this.stopping; i++) {
      const key = `${this.prefix}${w}/${String(i).padStart(6, '0')}`;
      try {
        const r = await this.client.put(key, `v${i}`);
        this.acked.set(key, r.revision);
      } catch (err) {
        this.failures.push(`${key}: ${(err as Error).name}: ${(err as Error).message} (cause: ${String((err as Error).cause)})`);
      }
    }
  }

  /** progressed resolves once n more puts were acknowledged than when it was called (the load flows). */
  async progressed(n: number, timeoutMs = 30_000): Promise<void> {
    const target = this.acked.size + n;
    await waitFor(() => (this.acked.size >= target ? true : undefined), {
      what: `${n} more acknowledged writes (at ${this.acked.size}/${target}; failures: ${this.failures.slice(0, 3).join('; ')})`,
      timeoutMs,
      intervalMs: 20,
    });
  }

  /** stop lets every worker finish its put in flight, closes the client and returns the result. */
  async stop(): Promise<WriteLoadResult> {
    this.stopping = true;
    await Promise.all(this.workers);
    this.client.close();
    return { acked: this.acked, failures: this.failures };
  }
}
