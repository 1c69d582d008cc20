import type { ComponentFlags, ComponentOptions } from '../components/runtime/index.js';
import { runComponent } from '../components/runtime/index.js';
import { systemClock } from '../util/clock.js';
import { CapstanError } from '../util/errors.js';
import { createLogger, type Logger } from '../util/logger.js';
import { cryptoRandom } from '../util/random.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { untilShutdownSignal } from './signals.js';

/** ComponentCommand describes one component command to runComponentCommand. */
export interface ComponentCommand<T> {
  /** component names the process (logger name, log lines, /leaderz). */
  readonly component: string;
  /** resolve checks the flags; a CapstanError with code INVALID_FLAG exits 2 with its message. */
  resolve(): { flags: ComponentFlags; options: T };
  /** build makes the work (and optional metrics, checks, readiness) once the logger exists. */
  build(options: T, log: Logger, flags: ComponentFlags): Pick<ComponentOptions, 'work'> & Partial<Pick<ComponentOptions, 'metrics' | 'checks' | 'ready'>>;
  /** banner is the line printed on stderr once the health port is open. */
  banner(port: number, flags: ComponentFlags, options: T): string;
}

/**
 * runComponentCommand is what `capstan scheduler`, `controller-manager` and `node` share: bad flags exit 2, one
 * pino root logger named after the component, SIGINT/SIGTERM stop the work and release the Lease, and a
 * failure to run exits 1.
 */
export async function runComponentCommand<T>(ctx: CliContext, c: ComponentCommand<T>): Promise<void> {
  let resolved;
  try {
    resolved = c.resolve();
  } catch (err) {
    if (CapstanError.is(err, 'INVALID_FLAG')) throw new CommandError(err.message, 'INVALID_FLAG', 2);
    throw err;
  }
  const { flags, options } = resolved;
  const log = createLogger({ level: flags.logLevel, name: c.component });
  const shutdown = new AbortController();
  void untilShutdownSignal(log, c.component).then(() => shutdown.abort());
  try {
    await runComponent({
      component: c.component,
      flags,
      ...c.build(options, log, flags),
      clock: systemClock,
      random: cryptoRandom,
      log,
      shutdown: shutdown.signal,
      onListening: (port) => ctx.stderr(`${c.banner(port, flags, options)}\n`),
    });
  } catch (err) {
    log.fatal({ err }, `${c.component}: failed`);
    throw new CommandError(`failed: ${(err as Error).message}`, 'START_FAILED', 1);
  } finally {
    log.flush();
  }
}
