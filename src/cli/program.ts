import { Command, CommanderError } from 'commander';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

export type { CliContext } from './context.js';

/** Register adds one subcommand (with its options and action) to the program. */
type Register = (program: Command, ctx: CliContext) => void;

/**
 * SUBCOMMANDS lists every subcommand, in the order `capstan --help` shows them, each with a loader of the file
 * under src/cli/ that registers it. A command line naming one subcommand loads only that file (and what it
 * imports), so `capstan chaos kill` does not load the store, the API server and every component first.
 */
const SUBCOMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  store: async () => (await import('./store.js')).registerStore,
  lb: async () => (await import('./lb.js')).registerLb,
  up: async () => (await import('./up.js')).registerUp,
  down: async () => (await import('./down.js')).registerDown,
  status: async () => (await import('./status.js')).registerStatus,
  apiserver: async () => (await import('./apiserver.js')).registerApiServer,
  snapshot: async () => (await import('./snapshot.js')).registerSnapshot,
  chaos: async () => (await import('./chaos.js')).registerChaos,
  'controller-manager': async () => (await import('./controller-manager.js')).registerControllerManager,
  deploy: async () => (await import('./deploy.js')).registerDeploy,
  node: async () => (await import('./node.js')).registerNode,
  member: async () => (await import('./member.js')).registerMember,
  scheduler: async () => (await import('./scheduler.js')).registerScheduler,
};

/**
 * createProgram builds the `capstan` command tree: every subcommand, or only `only` when the command line names
 * it, or none for `--version` (anything else — `--help`, a misspelt subcommand — gets them all, so help and
 * suggestions are complete).
 */
export async function createProgram(ctx: CliContext, only?: string): Promise<Command> {
  const program = new Command('capstan')
    .description('a highly available, Kubernetes-style control plane: an etcd-compatible Raft store, API servers and leader-elected components')
    .version(ctx.version, '-V, --version', 'print the capstan version')
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr })
    .showHelpAfterError('(run `capstan --help` for usage)')
    .exitOverride();

  // Subcommands inherit the output configuration and exitOverride set above, so register them after.
  const names = only === '-V' || only === '--version' ? [] : only !== undefined && Object.hasOwn(SUBCOMMANDS, only) ? [only] : Object.keys(SUBCOMMANDS);
  const registers = await Promise.all(names.map((name) => SUBCOMMANDS[name]!()));
  for (const register of registers) register(program, ctx);
  return program;
}

/**
 * runCli runs `capstan` with argv (arguments only, without node and the script) and resolves to the
 * process exit code. It never calls process.exit, so it can run in-process in tests: commander's
 * usage errors and --help/--version keep their codes, a CommandError prints its message and exits
 * with its code, anything else is a bug and is rethrown with its stack.
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = await createProgram(ctx, argv[0]);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CommandError) {
      const name = program.args[0];
      ctx.stderr(`capstan${name === undefined ? '' : ` ${name}`}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
