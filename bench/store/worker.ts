/**
 * worker is a forked load-generating process (see worker-protocol.ts for the conversation). It runs one job at
 * a time: N closed-loop clients that each keep exactly one request outstanding (put or range), or a paced
 * writer plus a prefix watcher (watch). Each process opens one HTTP/2 connection per member it talks to and
 * multiplexes its clients over them, like etcd's `benchmark --conns`.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { EtcdRpc, RpcError, encodePut, encodeRange, type WatchEventSample } from './rpc.js';
import type { FromWorker, LoadJob, PutJob, RangeJob, ToWorker, WatchJob, WorkerResult } from './worker-protocol.js';

/** Recorder counts what completes while the window is open. */
class Recorder {
  recording = false;
  private openedAt = 0;
  ops = 0;
  skipped = 0;
  latencies: number[] = [];
  putLatencies: number[] = [];
  errors: Record<string, number> = {};
  firstError: string | undefined;

  open(): void {
    this.recording = true;
    this.openedAt = performance.now();
  }

  ok(latencyMs: number): void {
    if (!this.recording) return;
    this.ops++;
    this.latencies.push(latencyMs);
  }

  putOk(latencyMs: number): void {
    if (this.recording) this.putLatencies.push(latencyMs);
  }

  failed(err: unknown): void {
    if (!this.recording) return;
    const code = err instanceof RpcError ? err.code : 'CLIENT_ERROR';
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.firstError ??= err instanceof Error ? `${code}: ${err.message}` : String(err);
  }

  close(): WorkerResult {
    const windowMs = this.recording ? performance.now() - this.openedAt : 0;
    this.recording = false;
    return {
      ops: this.ops,
      latenciesMs: Float64Array.from(this.latencies),
      putLatenciesMs: Float64Array.from(this.putLatencies),
      errors: this.errors,
      skipped: this.skipped,
      windowMs,
      ...(this.firstError === undefined ? {} : { firstError: this.firstError }),
    };
  }
}

/** RunningJob is a started job: stop() ends its loops and resolves once nothing is in flight. */
interface RunningJob {
  recorder: Recorder;
  stop(): Promise<void>;
}

function connections(addresses: readonly string[]): Map<string, EtcdRpc> {
  return new Map([...new Set(addresses)].map((a) => [a, new EtcdRpc(a)]));
}

async function connectAll(rpcs: Map<string, EtcdRpc>, timeoutMs: number): Promise<void> {
  await Promise.all([...rpcs.values()].map((r) => r.waitReady(timeoutMs)));
}

/** startClosedLoop starts job.clients loops; each issues the next request when the previous one finished. */
async function startClosedLoop(job: PutJob | RangeJob): Promise<RunningJob> {
  const rpcs = connections(job.addresses);
  await connectAll(rpcs, 10_000);
  const recorder = new Recorder();
  let stopping = false;
  const value = randomBytes(job.kind === 'put' ? job.valueBytes : 0);
  const rangeRequest = job.kind === 'range' ? encodeRange(Buffer.from(job.key), job.serializable) : undefined;
  const loops: Promise<void>[] = [];
  for (let i = 0; i < job.clients; i++) {
    const rpc = rpcs.get(job.addresses[(job.clientOffset + i) % job.addresses.length]!)!;
    loops.push(
      (async () => {
        while (!stopping) {
          const started = performance.now();
          try {
            if (rangeRequest !== undefined) await rpc.range(rangeRequest, job.timeoutMs);
            else {
              const key = Buffer.from(`${(job as PutJob).keyPrefix}${Math.floor(Math.random() * (job as PutJob).keySpace)}`);
              await rpc.put(encodePut(key, value), job.timeoutMs);
            }
            recorder.ok(performance.now() - started);
          } catch (err) {
            recorder.failed(err);
            // A member that refuses fast (UNAVAILABLE) must not turn the loop into a busy spin.
            await delay(10);
          }
        }
      })(),
    );
  }
  return {
    recorder,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      for (const r of rpcs.values()) r.close();
    },
  };
}

/** startWatch opens the watch, then puts at job.ratePerSecond with each value's first 8 bytes its issue time. */
async function startWatch(job: WatchJob): Promise<RunningJob> {
  const watcher = new EtcdRpc(job.watchAddress);
  const writer = new EtcdRpc(job.writerAddress);
  await Promise.all([watcher.waitReady(10_000), writer.waitReady(10_000)]);
  const recorder = new Recorder();
  const onEvents = (events: WatchEventSample[]): void => {
    for (const e of events) {
      if (e.value.length < 8) continue;
      const issuedAt = Buffer.from(e.value.buffer, e.value.byteOffset, e.value.byteLength).readDoubleLE(0);
      recorder.ok(e.receivedAt - issuedAt);
    }
  };
  const handle = await watcher.watchPrefix(Buffer.from(job.keyPrefix), onEvents, (err) => recorder.failed(err), job.timeoutMs);
  const base = randomBytes(job.valueBytes);
  let seq = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const intervalMs = 1000 / job.ratePerSecond;
  const started = performance.now();
  let stopping = false;
  // Paced, not closed-loop: the put schedule does not depend on how fast the store answers.
  const pacer = (async () => {
    while (!stopping) {
      const due = started + seq * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await delay(wait);
      if (stopping) break;
      seq++;
      if (inFlight >= job.maxInFlight) {
        if (recorder.recording) recorder.skipped++;
        continue;
      }
      const value = Buffer.from(base);
      const issuedAt = performance.now();
      value.writeDoubleLE(issuedAt, 0);
      inFlight++;
      const p = writer
        .put(encodePut(Buffer.from(`${job.keyPrefix}${seq % 10_000}`), value), job.timeoutMs)
        .then(
          () => recorder.putOk(performance.now() - issuedAt),
          (err: unknown) => recorder.failed(err),
        )
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
  })();
  return {
    recorder,
    async stop() {
      stopping = true;
      await pacer;
      await Promise.all([...pending]);
      handle.close();
      watcher.close();
      writer.close();
    },
  };
}

function start(job: LoadJob): Promise<RunningJob> {
  switch (job.kind) {
    case 'put':
    case 'range':
      return startClosedLoop(job);
    case 'watch':
      return startWatch(job);
  }
}

function send(msg: FromWorker): void {
  process.send?.(msg);
}

let current: RunningJob | undefined;

process.on('message', (msg: ToWorker) => {
  void (async () => {
    try {
      switch (msg.type) {
        case 'start':
          if (current !== undefined) throw new Error('a job is already running');
          current = await start(msg.job);
          send({ type: 'started' });
          break;
        case 'record':
          current?.recorder.open();
          break;
        case 'stop': {
          const job = current;
          current = undefined;
          if (job === undefined) throw new Error('no job is running');
          const result = job.recorder.close();
          await job.stop();
          send({ type: 'result', result });
          break;
        }
      }
    } catch (err) {
      send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});

// The coordinator going away (crash, kill) must not leave a load generator running.
process.on('disconnect', () => process.exit(0));
