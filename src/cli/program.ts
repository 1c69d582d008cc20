import { Command, CommanderError } from 'commander';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { registerStore } from './store.js';
import { registerLb } from './lb.js';
import { registerUp } from './up.js';
import { registerDown } from './down.js';
import { registerStatus } from './status.js';
import { registerApiServer } from './apiserver.js';
import { registerSnapshot } from './snapshot.js';
import { registerChaos } from './chaos.js';
import { registerControllerManager } from './controller-manager.js';
import { registerDeploy } from './deploy.js';
import { registerNode } from './node.js';
import { registerMember } from './member.js';
import { registerScheduler } from './scheduler.js';

export type { CliContext } from './context.js';

/**
 * createProgram builds the `capstan` command tree. Each subcommand lives in its own file under
 * src/cli/ and exports a register function; this is the one place that lists them.
 */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('capstan')
    .description('a highly available, Kubernetes-style control plane: an etcd-compatible Raft store, API servers and leader-elected components')
    .version(ctx.version, '-V, --version', 'print the capstan version')
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr })
    .showHelpAfterError('(run `capstan --help` for usage)')
    .exitOverride();

  // Subcommands inherit the output configuration and exitOverride set above, so register them after.
  registerStore(program, ctx);
  registerLb(program, ctx);
  registerUp(program, ctx);
  registerDown(program, ctx);
  registerStatus(program, ctx);
  registerApiServer(program, ctx);
  registerSnapshot(program, ctx);
  registerChaos(program, ctx);
  registerControllerManager(program, ctx);
  registerDeploy(program, ctx);
  registerNode(program, ctx);
  registerMember(program, ctx);
  registerScheduler(program, ctx);
  return program;
}

/**
 * runCli runs `capstan` with argv (arguments only, without node and the script) and resolves to the
 * process exit code. It never calls process.exit, so it can run in-process in tests: commander's
 * usage errors and --help/--version keep their codes, a CommandError prints its message and exits
 * with its code, anything else is a bug and is rethrown with its stack.
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = createProgram(ctx);
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
