/**
 * worker-protocol is the message contract between run.ts (the coordinator) and its forked load workers
 * (worker.ts). A measurement goes: `start` a job → the worker connects and begins issuing requests, answers
 * `started` → (warm-up) → `record` opens the measured window → `stop` closes it; the worker lets its
 * in-flight requests finish (each is bounded by the job's timeout) and answers `result`.
 *
 * Only requests that complete inside the window are counted, so the window the coordinator samples server
 * CPU over is the window the operations are counted in.
 */

/** PutJob is closed-loop puts of valueBytes-byte values to random keys of a keySpace-key space. */
export interface PutJob {
  kind: 'put';
  /** addresses are host:port of the members; client i of the job uses addresses[(clientOffset + i) % n]. */
  addresses: string[];
  clients: number;
  clientOffset: number;
  valueBytes: number;
  keyPrefix: string;
  keySpace: number;
  timeoutMs: number;
}

/** RangeJob is closed-loop single-key reads of key, linearizable unless serializable. */
export interface RangeJob {
  kind: 'range';
  addresses: string[];
  clients: number;
  clientOffset: number;
  key: string;
  serializable: boolean;
  timeoutMs: number;
}

/**
 * WatchJob opens one watch on keyPrefix at watchAddress and puts to writerAddress at a fixed rate (puts/s),
 * each value carrying its issue time; it records put-issue → event-received latency for every event.
 */
export interface WatchJob {
  kind: 'watch';
  watchAddress: string;
  writerAddress: string;
  keyPrefix: string;
  ratePerSecond: number;
  valueBytes: number;
  /** maxInFlight bounds the puts outstanding at once; a tick with that many outstanding skips its put. */
  maxInFlight: number;
  timeoutMs: number;
}

/** LoadJob is any job a worker runs. */
export type LoadJob = PutJob | RangeJob | WatchJob;

/** ToWorker is a message from the coordinator. */
export type ToWorker = { type: 'start'; job: LoadJob } | { type: 'record' } | { type: 'stop' };

/** WorkerResult is what one worker measured inside the window. */
export interface WorkerResult {
  /** ops are requests that completed successfully inside the window (events received, for a watch job). */
  ops: number;
  /** latenciesMs are the latencies of those ops (put-issue → event-received for a watch job). */
  latenciesMs: Float64Array;
  /** putLatenciesMs are the writer's put latencies of a watch job (empty for other jobs). */
  putLatenciesMs: Float64Array;
  /** errors counts failed requests inside the window by gRPC status name. */
  errors: Record<string, number>;
  /** skipped counts watch-job ticks that found maxInFlight puts outstanding. */
  skipped: number;
  /** windowMs is the window as the worker saw it (from `record` to `stop`). */
  windowMs: number;
  /** firstError is the message of the first error, for the report. */
  firstError?: string;
}

/** FromWorker is a message to the coordinator. */
export type FromWorker = { type: 'started' } | { type: 'result'; result: WorkerResult } | { type: 'failed'; message: string };
