import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readClusterFile } from './launcher/cluster-file.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { DEFAULT_DIR, stopCluster } from './up.js';

/** registerDown adds `capstan down`: stop every process a `capstan up` started (by PID; data is kept). */
export function registerDown(program: Command, ctx: CliContext): void {
  program
    .command('down')
    .description('stop a local cluster started with capstan up (its data is kept)')
    .option('--dir <dir>', 'the cluster directory', DEFAULT_DIR)
    .action(async (opts: { dir: string }) => {
      const f = readClusterFile(resolve(opts.dir));
      if (f === undefined) throw new CommandError(`no cluster.json in ${resolve(opts.dir)}`, 'NO_CLUSTER', 1);
      await stopCluster(f, (line) => ctx.stdout(`${line}\n`));
    });
}
