import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { NotImplementedError } from './errors.js';

/**
 * registerUp adds `capstan up`, which will start a whole local cluster on loopback (store members,
 * API servers, load balancer, scheduler, controller-manager, hollow nodes), as kubeadm or k3d would.
 *
 * Today it says plainly that it cannot: the Raft consensus core exists, but the replicated store it
 * would start does not yet. It never pretends to have started anything.
 */
export function registerUp(program: Command, _ctx: CliContext): void {
  program
    .command('up')
    .description('start a local cluster on loopback (not built yet: needs the store)')
    .action(() => {
      throw new NotImplementedError(
        'the cluster launcher is not built yet. The Raft consensus core exists (src/raft), but the ' +
          'replicated store that `up` starts (`capstan store`) lands with the next issue; nothing was started.',
      );
    });
}
