import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** LoggerOptions configures the root logger of one process. */
export interface LoggerOptions {
  /** level is the minimum level written (etcd's --log-level names map onto pino's). */
  level?: LevelWithSilent | 'warning';
  /** name identifies the process (for example the member name). */
  name?: string;
  /** destination overrides stdout (tests pass a stream to inspect output). */
  destination?: DestinationStream;
}

/**
 * createLogger makes the one pino root logger of a process; components receive child loggers from it
 * (`log.child({ component: 'raft' })`) rather than creating their own.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level === 'warning' ? 'warn' : (opts.level ?? 'info');
  const base = opts.name === undefined ? { pid: process.pid } : { pid: process.pid, name: opts.name };
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, opts.destination);
}

/** silentLogger returns a logger that writes nothing, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
