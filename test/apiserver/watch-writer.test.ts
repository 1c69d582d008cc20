/**
 * A watch stream's writer (watch-writer.ts) writes at once when the stream was quiet and otherwise at most
 * once per interval, one chunk per write, frames in order; closing writes what is held, discarding does not.
 * Time is a ManualClock; "at once" is the end of the current turn (a microtask), which the tests await.
 */
import { describe, expect, it } from 'vitest';
import { resolveApiServerFlags } from '../../src/apiserver/config.js';
import { MAX_HELD_BYTES, WatchWriter } from '../../src/apiserver/watch-writer.js';
import { ManualClock } from '../../src/util/clock.js';

/** setup returns a writer over a recording output on a manual clock. */
function setup(intervalMs: number): { writer: WatchWriter; clock: ManualClock; chunks: (string | Buffer)[]; writes: () => number } {
  const clock = new ManualClock(1_000);
  const chunks: (string | Buffer)[] = [];
  let written = 0;
  const writer = new WatchWriter({ write: (c) => void chunks.push(c) }, clock, intervalMs, () => void written++);
  return { writer, clock, chunks, writes: () => written };
}

/** turn lets queued microtasks run: the end of the current turn of the event loop. */
const turn = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe('WatchWriter', () => {
  it('writes a quiet stream\'s batch at the end of the turn, as one chunk', async () => {
    const { writer, chunks, writes } = setup(10);
    writer.write('a\n');
    writer.write('b\n');
    expect(chunks).toEqual([]);
    expect(writer.pendingBytes).toBe(4);
    await turn();
    expect(chunks).toEqual(['a\nb\n']);
    expect(writes()).toBe(1);
    expect(writer.pendingBytes).toBe(0);
  });

  it('holds frames that come within the interval of the last write and writes them together when it ends', async () => {
    const { writer, clock, chunks } = setup(10);
    writer.write('1\n');
    await turn();
    clock.advance(3);
    writer.write('2\n');
    await turn();
    clock.advance(4);
    writer.write('3\n');
    await turn();
    expect(chunks).toEqual(['1\n']);
    clock.advance(2);
    expect(chunks).toEqual(['1\n']);
    clock.advance(1);
    expect(chunks).toEqual(['1\n', '2\n3\n']);
    // Quiet for a whole interval since: the next frame goes at once again.
    clock.advance(10);
    writer.write('4\n');
    await turn();
    expect(chunks).toEqual(['1\n', '2\n3\n', '4\n']);
  });

  it('bounds a busy stream to one write per interval, keeping every frame in order', async () => {
    const { writer, clock, chunks } = setup(10);
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      const frame = `${i}\n`;
      sent.push(frame);
      writer.write(frame);
      await turn();
      clock.advance(1);
    }
    clock.advance(10);
    expect(chunks.join('')).toBe(sent.join(''));
    // 200 ms of frames every millisecond: the first at once, then one write per 10 ms.
    expect(chunks.length).toBeLessThanOrEqual(21);
    expect(chunks.length).toBeGreaterThanOrEqual(20);
  });

  it('writes at once when it holds MAX_HELD_BYTES, so a long replay leaves in bounded chunks, in order', async () => {
    const { writer, clock, chunks } = setup(10);
    writer.write('first\n');
    await turn();
    const frame = `${'x'.repeat(1023)}\n`;
    const n = Math.ceil((2.5 * MAX_HELD_BYTES) / frame.length);
    for (let i = 0; i < n; i++) writer.write(frame);
    // Within the interval of the last write, yet two chunks of about MAX_HELD_BYTES are out already.
    expect(chunks).toHaveLength(3);
    for (const c of chunks.slice(1)) expect(c.length).toBe(MAX_HELD_BYTES);
    expect(writer.pendingBytes).toBeLessThan(MAX_HELD_BYTES);
    await turn();
    expect(chunks).toHaveLength(3);
    clock.advance(10);
    expect(chunks).toHaveLength(4);
    expect(chunks.join('')).toBe(`first\n${frame.repeat(n)}`);
    expect(clock.pending()).toBe(0);
  });

  it('writes every batch at the end of its turn with interval 0', async () => {
    const { writer, chunks } = setup(0);
    writer.write('a\n');
    writer.write('b\n');
    await turn();
    writer.write('c\n');
    await turn();
    expect(chunks).toEqual(['a\nb\n', 'c\n']);
  });

  it('joins protobuf frames as bytes', async () => {
    const { writer, chunks } = setup(10);
    writer.write(Buffer.from([0, 0, 0, 1, 7]));
    writer.write(Buffer.from([0, 0, 0, 1, 8]));
    await turn();
    expect(chunks).toHaveLength(1);
    expect(Buffer.isBuffer(chunks[0])).toBe(true);
    expect([...(chunks[0] as Buffer)]).toEqual([0, 0, 0, 1, 7, 0, 0, 0, 1, 8]);
  });

  it('writes what it holds on close and nothing after it', async () => {
    const { writer, clock, chunks } = setup(10);
    writer.write('1\n');
    await turn();
    writer.write('2\n');
    writer.close();
    expect(chunks).toEqual(['1\n', '2\n']);
    writer.write('3\n');
    writer.close();
    await turn();
    clock.advance(100);
    expect(chunks).toEqual(['1\n', '2\n']);
    expect(clock.pending()).toBe(0);
  });

  it('drops what it holds when discarded (the client is gone) and leaves no timer behind', async () => {
    const { writer, clock, chunks, writes } = setup(10);
    writer.write('1\n');
    await turn();
    writer.write('2\n');
    expect(clock.pending()).toBe(1);
    writer.discard();
    expect(clock.pending()).toBe(0);
    writer.write('3\n');
    await turn();
    clock.advance(100);
    expect(chunks).toEqual(['1\n']);
    expect(writes()).toBe(1);
    expect(writer.pendingBytes).toBe(0);
  });
});

describe('--watch-flush-interval', () => {
  const base = { etcdServers: 'http://127.0.0.1:2379', securePort: '0', insecurePort: '8080' };
  it('defaults to 10ms, takes durations and 0, and refuses anything else or more than a second', () => {
    expect(resolveApiServerFlags(base).watchFlushIntervalMs).toBe(10);
    expect(resolveApiServerFlags({ ...base, watchFlushInterval: '0' }).watchFlushIntervalMs).toBe(0);
    expect(resolveApiServerFlags({ ...base, watchFlushInterval: '0ms' }).watchFlushIntervalMs).toBe(0);
    expect(resolveApiServerFlags({ ...base, watchFlushInterval: '2.5ms' }).watchFlushIntervalMs).toBe(2.5);
    expect(resolveApiServerFlags({ ...base, watchFlushInterval: '1s' }).watchFlushIntervalMs).toBe(1000);
    for (const bad of ['fast', '-1ms', '10', '1.5s']) {
      expect(() => resolveApiServerFlags({ ...base, watchFlushInterval: bad })).toThrow(`--watch-flush-interval: ${JSON.stringify(bad)} is not a duration from 0 to 1s like 10ms`);
    }
  });
});
