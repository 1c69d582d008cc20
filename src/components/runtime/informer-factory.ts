import type { KubeObject } from '../../api/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import type { Indexers } from '../client/indexer.js';
import { Informer } from '../client/informer.js';
import { listWatchFor } from '../client/reflector.js';
import type { ResourceDescriptor } from '../client/resource.js';
import type { RestClient } from '../client/rest-client.js';

/** InformerFactoryOptions configure the informers a factory makes. */
export interface InformerFactoryOptions {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly random: Random;
  readonly log?: Logger;
  /** resyncPeriodMs is every informer's resync period; 0 never resyncs. */
  readonly resyncPeriodMs?: number;
}

/**
 * InformerFactory hands out one shared informer per resource (client-go's SharedInformerFactory), so every
 * controller of a process reads the same cache and the API server sees one watch per resource. Indexers asked
 * for by several callers are merged (an index asked for later files what is already cached; two callers using
 * one index name must mean the same index). start() starts the informers made so far (call it
 * again after asking for more); stop() stops them all.
 */
export class InformerFactory {
  private readonly informers = new Map<string, { informer: Informer<KubeObject>; started: boolean }>();
  private readonly indexers = new Map<string, Record<string, unknown>>();
  private stopped = false;

  constructor(private readonly opts: InformerFactoryOptions) {}

  /** informerFor returns the shared informer of r (all namespaces), creating it on first use with indexers. */
  informerFor<T extends KubeObject>(r: ResourceDescriptor, indexers: Indexers<T> = {}): Informer<T> {
    const key = `${r.group}/${r.version}/${r.resource}`;
    const existing = this.informers.get(key);
    if (existing !== undefined) {
      const have = this.indexers.get(key) ?? {};
      const missing = Object.fromEntries(Object.entries(indexers).filter(([n]) => !(n in have)));
      if (Object.keys(missing).length > 0) {
        (existing.informer as unknown as Informer<T>).addIndexers(missing);
        this.indexers.set(key, { ...have, ...missing });
      }
      return existing.informer as unknown as Informer<T>;
    }
    const informer = new Informer<T>(listWatchFor<T>(this.opts.client, r), {
      name: r.resource,
      clock: this.opts.clock,
      random: this.opts.random,
      indexers,
      ...(this.opts.log === undefined ? {} : { logger: this.opts.log }),
      ...(this.opts.resyncPeriodMs === undefined ? {} : { resyncPeriodMs: this.opts.resyncPeriodMs }),
    });
    this.informers.set(key, { informer: informer as unknown as Informer<KubeObject>, started: false });
    this.indexers.set(key, { ...indexers });
    return informer;
  }

  /** start starts every informer not yet started. */
  start(): void {
    if (this.stopped) return;
    for (const entry of this.informers.values()) {
      if (entry.started) continue;
      entry.started = true;
      entry.informer.start();
    }
  }

  /** waitForSync resolves once every informer made so far has synced (rejects after timeoutMs). */
  async waitForSync(timeoutMs = 60_000): Promise<void> {
    await Promise.all([...this.informers.values()].map((e) => e.informer.waitForSync(timeoutMs)));
  }

  /** stop stops every informer and resolves once their reflectors exited. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].filter((e) => e.started).map((e) => e.informer.stop()));
  }
}
