import type { HostPort } from '../pod-info.js';
import type { FilterPlugin } from '../plugin.js';

/** ERR_REASON_NODE_PORTS is NodePorts' reason. */
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

/** hostPortsConflict reports whether two host ports collide: same protocol and port, and one IP is 0.0.0.0 or both equal. */
export function hostPortsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');
}

/** nodePorts rules out nodes where a host port the pod wants is already used (the NodePorts plugin). */
export const nodePorts: FilterPlugin<null> = {
  name: 'NodePorts',
  resolvable: () => true,
  preFilter: () => null,
  filter(_state, pod, node) {
    if (pod.hostPorts.length === 0 || node.usedPorts.length === 0) return undefined;
    for (const want of pod.hostPorts) {
      for (const used of node.usedPorts) if (hostPortsConflict(want, used)) return [ERR_REASON_NODE_PORTS];
    }
    return undefined;
  },
};
