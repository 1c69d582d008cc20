import { CapstanError } from '../../util/errors.js';

/** NO_NODES_AVAILABLE is the message when the cluster has no nodes at all (ErrNoNodesAvailable). */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * fitErrorMessage renders kube-scheduler's FitError text: `0/N nodes are available: ` then, sorted, `COUNT
 * REASON` for every reason nodes gave, joined by `, ` and ended with a period — e.g. `0/3 nodes are available:
 * 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu.` A PreFilter message,
 * when there is one, replaces the per-node reasons.
 */
export function fitErrorMessage(numAllNodes: number, reasons: ReadonlyMap<string, number>, preFilterMsg = ''): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE;
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg !== '') return `${msg} ${preFilterMsg}.`;
  const parts = [...reasons].map(([reason, n]) => `${n} ${reason}`).sort();
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  return msg;
}

/** FitError says a pod fits no node, and why, per reason (framework.FitError). */
export class FitError extends CapstanError {
  constructor(
    /** numAllNodes is the number of nodes in the snapshot. */
    readonly numAllNodes: number,
    /** reasons counts how many nodes gave each reason. */
    readonly reasons: ReadonlyMap<string, number>,
    /** unschedulablePlugins names the filters that rejected nodes. */
    readonly unschedulablePlugins: ReadonlySet<string>,
    preFilterMsg = '',
  ) {
    super(fitErrorMessage(numAllNodes, reasons, preFilterMsg), 'UNSCHEDULABLE', true);
  }
}
