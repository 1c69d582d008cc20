/**
 * useInProcessController runs one controller in-process (runComponent as `capstan controller-manager` runs it,
 * without leader election) against a test's API server for the suite, with a REST client for the test; both
 * stop after the suite.
 */
import { afterAll, beforeAll } from 'vitest';
import { RestClient } from '../../../../src/components/client/rest-client.js';
import type { Controller } from '../../../../src/components/runtime/controller.js';
import { resolveComponentFlags } from '../../../../src/components/runtime/component-flags.js';
import { runComponent } from '../../../../src/components/runtime/run-component.js';
import { systemClock } from '../../../../src/util/clock.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { SeededRandom } from '../../../../src/util/random.js';

/** useInProcessController starts controller before the suite's tests and returns the test's client. */
export function useInProcessController(api: () => { readonly url: string }, controller: Controller, identity: string): () => RestClient {
  let client: RestClient | undefined;
  let shutdown: AbortController | undefined;
  let running: Promise<void> | undefined;
  beforeAll(() => {
    client = new RestClient({ config: { server: api().url }, clock: systemClock, random: new SeededRandom(5) });
    shutdown = new AbortController();
    const flags = resolveComponentFlags({ master: api().url, leaderElect: 'false', identity, port: '0' }, { leaseName: 'kube-controller-manager', port: 0 });
    running = runComponent({ component: 'controller-manager', flags, work: { name: controller.name, run: controller.run }, clock: systemClock, random: new SeededRandom(7), log: silentLogger(), shutdown: shutdown.signal });
  }, 60_000);
  afterAll(async () => {
    shutdown?.abort();
    await running;
    client?.close();
  });
  return () => client!;
}
