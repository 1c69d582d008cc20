import type { FilterPlugin } from '../plugin.js';

/** ERR_REASON_NODE_NAME is NodeName's reason. */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** nodeName rules out every node but the one a pod names in spec.nodeName, if it names one (the NodeName plugin). */
export const nodeName: FilterPlugin<null> = {
  name: 'NodeName',
  preFilter: () => null,
  filter(_state, pod, node) {
    const want = pod.pod.spec?.nodeName ?? '';
    return want === '' || want === node.name ? undefined : [ERR_REASON_NODE_NAME];
  },
};
