/**
 * The reflector and informer against a fake list/watch source, on a ManualClock: list with pagination, watch
 * from the list's resourceVersion, re-watch after a watch ends, bookmarks, 410 → relist with tombstones,
 * backoff after failures, resync, and the handler contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigMap, DeepReadonly } from '../../../src/api/index.js';
import { apiStatusError, CacheSyncTimeoutError, ConnectionError } from '../../../src/components/client/errors.js';
import { DeletedFinalStateUnknown, Informer, tombstoneObject, type EventHandler } from '../../../src/components/client/informer.js';
import { NAMESPACE_INDEX, indexByNamespace } from '../../../src/components/client/indexer.js';
import { ManualClock } from '../../../src/util/clock.js';
import { SeededRandom } from '../../../src/util/random.js';
import { expiredStatus, FakeListWatch } from './fake-list-watch.js';

/** until drives the informer's promises to a fixed point: it yields to the event loop until cond holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (cond()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never reached: ${what}`);
}

/** idle yields to the event loop enough for every runnable continuation to run. */
async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

type Note = string;

/** recorder is a handler that writes one line per notification. */
function recorder(notes: Note[]): EventHandler<ConfigMap> {
  const describe = (o: DeepReadonly<ConfigMap>): string => `${o.metadata.name}@${o.metadata.resourceVersion}`;
  return {
    onAdd: (o, initial) => notes.push(`add ${describe(o)}${initial ? ' initial' : ''}`),
    onUpdate: (a, b) => notes.push(`update ${describe(a)} -> ${describe(b)}`),
    onDelete: (o) => notes.push(o instanceof DeletedFinalStateUnknown ? `delete-tombstone ${o.key} ${describe(o.obj)}` : `delete ${describe(o)}`),
  };
}

let informers: Informer<ConfigMap>[] = [];

afterEach(async () => {
  await Promise.all(informers.map((i) => i.stop()));
  informers = [];
});

function setup(options: { resyncPeriodMs?: number; pageSize?: number } = {}): { fake: FakeListWatch; clock: ManualClock; informer: Informer<ConfigMap>; notes: Note[] } {
  const fake = new FakeListWatch();
  const clock = new ManualClock();
  const informer = new Informer<ConfigMap>(fake, {
    clock,
    random: new SeededRandom(7),
    pageSize: options.pageSize ?? 2,
    resyncPeriodMs: options.resyncPeriodMs ?? 0,
    indexers: { [NAMESPACE_INDEX]: indexByNamespace },
  });
  const notes: Note[] = [];
  informer.addEventHandler(recorder(notes));
  informers.push(informer);
  return { fake, clock, informer, notes };
}

describe('Informer over a fake list/watch', () => {
  it('lists page by page, then watches from the list resourceVersion with bookmarks and a jittered timeout', async () => {
    const { fake, informer, notes } = setup();
    for (const n of ['a', 'b', 'c', 'd', 'e']) fake.write(n, { v: '1' });
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    await informer.waitForSync(1_000);
    await until(() => fake.openWatches === 1, 'a watch');
    expect(informer.hasSynced()).toBe(true);
    expect(fake.calls.map((c) => [c.verb, c.options.limit, c.options.continue])).toEqual([
      ['list', 2, undefined],
      ['list', 2, '0:2'],
      ['list', 2, '0:4'],
      ['watch', undefined, undefined],
    ]);
    const w = fake.calls[3]!.options;
    expect(w.resourceVersion).toBe('6');
    expect(w.allowWatchBookmarks).toBe(true);
    expect(w.timeoutSeconds).toBeGreaterThanOrEqual(300);
    expect(w.timeoutSeconds).toBeLessThan(600);
    expect(notes).toEqual(['add a@2 initial', 'add b@3 initial', 'add c@4 initial', 'add d@5 initial', 'add e@6 initial']);
    expect(informer.cache.byIndex(NAMESPACE_INDEX, 'ns')).toHaveLength(5);
    expect(informer.lastSyncResourceVersion).toBe('6');
  });

  it('applies ADDED, MODIFIED and DELETED in order; a delete carries the final state', async () => {
    const { fake, informer, notes } = setup();
    fake.write('a', { v: '1' });
    informer.start();
    await until(() => fake.openWatches === 1, 'a watch');
    fake.write('b', { v: '1' });
    fake.write('a', { v: '2' });
    fake.write('a', undefined);
    await until(() => notes.length === 4, 'three events');
    expect(notes).toEqual(['add a@2 initial', 'add b@3', 'update a@2 -> a@4', 'delete a@5']);
    expect(informer.cache.listKeys()).toEqual(['ns/b']);
    expect(informer.lastSyncResourceVersion).toBe('5');
  });

  it('re-watches from the last resourceVersion when a watch ends, without listing again', async () => {
    const { fake, informer, notes } = setup();
    informer.start();
    await until(() => fake.openWatches === 1, 'a watch');
    fake.write('a', { v: '1' });
    await until(() => notes.length === 1, 'an add');
    fake.endWatches();
    fake.write('b', { v: '1' }); // happens while no watch is open: replayed by the next one
    await until(() => notes.length === 2, 'the write made between watches');
    const watches = fake.calls.filter((c) => c.verb === 'watch').map((c) => c.options.resourceVersion);
    expect(watches).toEqual(['1', '2']);
    expect(fake.calls.filter((c) => c.verb === 'list')).toHaveLength(1);
    expect(notes).toEqual(['add a@2', 'add b@3']);
    expect(informer.stats).toMatchObject({ lists: 1, watches: 2, events: 2, relistsAfterGone: 0, failures: 0 });
  });

  it('a BOOKMARK advances the resourceVersion the next watch starts from', async () => {
    const { fake, informer } = setup();
    informer.start();
    await until(() => fake.openWatches === 1, 'a watch');
    // Writes to other objects the watch does not see (a filtered watch), then a bookmark.
    fake.revision += 10;
    fake.bookmark();
    await until(() => informer.stats.bookmarks === 1, 'the bookmark');
    expect(informer.lastSyncResourceVersion).toBe('11');
    fake.endWatches();
    await until(() => fake.calls.filter((c) => c.verb === 'watch').length === 2, 'a second watch');
    expect(fake.calls.at(-1)!.options.resourceVersion).toBe('11');
  });

  for (const goneAs of ['event', 'refusal'] as const) {
    it(`relists on 410 Expired (${goneAs === 'event' ? 'an ERROR event' : 'a refused watch'}): adds, updates and tombstones for what changed unseen`, async () => {
      const { fake, clock, informer, notes } = setup();
      fake.goneAs = goneAs;
      fake.write('keep', { v: '1' });
      fake.write('change', { v: '1' });
      fake.write('remove', { v: '1' });
      informer.start();
      await until(() => fake.openWatches === 1, 'a watch');
      notes.length = 0;
      // The watch goes away; while it is down the object changes and history is compacted past it.
      fake.endWatches();
      await until(() => fake.openWatches === 1, 'the re-watch');
      fake.breakWatches(new ConnectionError('reset', true));
      fake.write('change', { v: '2' });
      fake.write('remove', undefined);
      fake.write('new', { v: '1' });
      fake.compact();
      // The failed watch backs off on the clock; then the re-watch is refused with 410 and a relist follows.
      await until(() => informer.stats.failures === 1, 'the backoff');
      clock.advance(60_000);
      await until(() => informer.stats.lists === 2, 'the relist');
      await until(() => fake.openWatches === 1, 'a watch after the relist');
      expect(informer.stats.relistsAfterGone).toBe(1);
      expect(notes.sort()).toEqual(['add new@7', 'delete-tombstone ns/remove remove@4', 'update change@3 -> change@5', 'update keep@2 -> keep@2'].sort());
      expect(informer.cache.listKeys().sort()).toEqual(['ns/change', 'ns/keep', 'ns/new']);
      expect(fake.calls.at(-1)!.options.resourceVersion).toBe('7');
    });
  }

  it('a server that keeps answering 410 right after a relist is backed off, not hammered', async () => {
    const { fake, clock, informer } = setup();
    fake.watch = async (options) => {
      fake.calls.push({ verb: 'watch', options });
      throw apiStatusError(expiredStatus(options.resourceVersion ?? ''));
    };
    informer.start();
    await until(() => informer.stats.failures === 1, 'a backoff');
    await idle();
    expect(informer.stats).toMatchObject({ lists: 2, relistsAfterGone: 2, failures: 1 });
    clock.advance(1_600);
    await until(() => informer.stats.lists === 3, 'the relist after the backoff');
  });

  it('relists from scratch when a continue token expires mid-list', async () => {
    const { fake, informer } = setup();
    for (const n of ['a', 'b', 'c', 'd', 'e']) fake.write(n, { v: '1' });
    const realList = fake.list.bind(fake);
    let compactedOnce = false;
    fake.list = async (options) => {
      const page = await realList(options);
      if (!compactedOnce) {
        compactedOnce = true;
        fake.write('f', { v: '1' });
        fake.compact();
      }
      return page;
    };
    informer.start();
    await informer.waitForSync(1_000);
    expect(informer.stats.relistsAfterGone).toBe(1);
    expect(informer.cache.size).toBe(6);
    expect(informer.lastSyncResourceVersion).toBe('7');
  });

  it('backs off on the clock after a failed list or watch, and watches again from the same resourceVersion', async () => {
    const { fake, clock, informer } = setup();
    fake.write('a', { v: '1' });
    fake.failNextCall('list', new ConnectionError('refused', false));
    informer.start();
    await until(() => informer.stats.failures === 1, 'the failed list');
    await idle();
    expect(fake.calls.filter((c) => c.verb === 'list')).toHaveLength(1);
    clock.advance(1_600); // 800 ms with jitter up to 100%
    await informer.waitForSync(1_000);
    await until(() => fake.openWatches === 1, 'a watch');
    fake.failNextCall('watch', new ConnectionError('refused', false));
    fake.breakWatches(new ConnectionError('reset', true));
    await until(() => informer.stats.failures === 2, 'the broken watch');
    await idle();
    expect(fake.calls.filter((c) => c.verb === 'watch')).toHaveLength(1);
    clock.advance(1_600);
    await until(() => informer.stats.failures === 3, 'the refused re-watch');
    await idle();
    expect(fake.openWatches).toBe(0);
    clock.advance(60_000);
    await until(() => fake.openWatches === 1, 'a watch after the backoff');
    expect(fake.calls.filter((c) => c.verb === 'list')).toHaveLength(2);
    expect(fake.calls.filter((c) => c.verb === 'watch').map((c) => c.options.resourceVersion)).toEqual(['2', '2', '2']);
  });

  it('resyncs every period: every cached object is re-delivered as an update to itself', async () => {
    const { fake, clock, informer, notes } = setup({ resyncPeriodMs: 30_000 });
    fake.write('a', { v: '1' });
    fake.write('b', { v: '1' });
    informer.start();
    await until(() => fake.openWatches === 1, 'a watch');
    notes.length = 0;
    clock.advance(29_999);
    expect(notes).toEqual([]);
    clock.advance(1);
    expect(notes.sort()).toEqual(['update a@2 -> a@2', 'update b@3 -> b@3']);
  });

  it('a late handler gets the cache as adds; a throwing handler does not stop the others; objects are frozen', async () => {
    const { fake, informer, notes } = setup();
    fake.write('a', { v: '1' });
    informer.start();
    await informer.waitForSync(1_000);
    await until(() => fake.openWatches === 1, 'a watch');
    const late: Note[] = [];
    const mutations: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => {
        try {
          (o.data as Record<string, string>)['v'] = 'mutated';
        } catch (err) {
          mutations.push((err as Error).name);
        }
        throw new Error('handler bug');
      },
    });
    const reg = informer.addEventHandler(recorder(late));
    fake.write('b', { v: '1' });
    await until(() => late.length === 2, 'the second add');
    expect(late).toEqual(['add a@2 initial', 'add b@3']);
    expect(notes).toEqual(['add a@2 initial', 'add b@3']);
    expect(mutations).toEqual(['TypeError', 'TypeError']);
    expect(informer.cache.get('ns/a')?.data?.['v']).toBe('1');
    reg.remove();
    fake.write('c', { v: '1' });
    await until(() => notes.length === 3, 'the third add');
    expect(late).toHaveLength(2);
  });

  it('waitForSync rejects after its deadline on the clock while the list keeps failing', async () => {
    const { fake, clock, informer } = setup();
    for (let i = 0; i < 3; i++) fake.failNextCall('list', new ConnectionError('refused', false));
    informer.start();
    const waited = informer.waitForSync(1_000).catch((e: unknown) => e);
    await until(() => informer.stats.failures === 1, 'the failed list');
    clock.advance(1_000);
    expect(await waited).toBeInstanceOf(CacheSyncTimeoutError);
    expect(informer.hasSynced()).toBe(false);
  });

  it('tombstoneObject unwraps a DeletedFinalStateUnknown', () => {
    const obj = { metadata: { name: 'x' } } as DeepReadonly<ConfigMap>;
    expect(tombstoneObject(new DeletedFinalStateUnknown('ns/x', obj))).toBe(obj);
    expect(tombstoneObject(obj)).toBe(obj);
  });

  it('stop() ends the loop and the open watch', async () => {
    const { fake, informer } = setup();
    informer.start();
    await until(() => fake.openWatches === 1, 'a watch');
    await informer.stop();
    expect(fake.openWatches).toBe(0);
    const calls = fake.calls.length;
    fake.write('a', { v: '1' });
    await idle();
    expect(fake.calls.length).toBe(calls);
  });
});
