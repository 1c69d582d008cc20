import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { renderDeployment } from '../deploy/render.js';
import { TopologyError, parseTopology } from '../deploy/topology.js';
import { writeRendered } from '../deploy/write-rendered.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

/**
 * registerDeploy adds `capstan deploy render TOPOLOGY...`: renders, for each topology file, the systemd
 * units, haproxy and keepalived configurations, kubeconfigs and pki.sh of a cluster on separate hosts (see
 * deploy/README.md), into --out or beside the topology file.
 */
export function registerDeploy(program: Command, ctx: CliContext): void {
  const deploy = program.command('deploy').description('render configuration for a cluster on separate hosts');
  deploy
    .command('render')
    .description('render systemd units, haproxy/keepalived configs, kubeconfigs and pki.sh from topology files')
    .argument('<topology...>', 'topology YAML files (see deploy/examples/*/topology.yaml)')
    .option('--out <dir>', 'output directory (only with one topology; default: the topology file\'s directory)')
    .action((topologies: string[], opts: { out?: string }) => {
      if (opts.out !== undefined && topologies.length > 1) throw new CommandError('--out takes one topology file', 'INVALID_ARGS', 2);
      for (const file of topologies) {
        let files;
        try {
          files = renderDeployment(parseTopology(readFileSync(file, 'utf8')));
        } catch (err) {
          if (err instanceof TopologyError) throw new CommandError(`${file}: ${err.message}`, 'INVALID_CONFIG', 2, { cause: err });
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CommandError(`${file}: no such file`, 'INVALID_ARGS', 2, { cause: err });
          throw err;
        }
        const out = opts.out ?? dirname(file);
        const result = writeRendered(out, files);
        ctx.stdout(`${file}: wrote ${String(result.written)} files to ${out}\n`);
        for (const s of result.stale) ctx.stderr(`${file}: ${out}/${s} is not part of the rendering any more; remove it\n`);
      }
    });
}
