/**
 * The node Lease, the kubelet's cheap heartbeat (KEP-589): a Lease named after the node in kube-node-lease,
 * holderIdentity the node's name, leaseDurationSeconds the kubelet's nodeLeaseDurationSeconds, owned by the
 * Node (so deleting the Node collects it), its renewTime moved forward every renewInterval = ¼ of the
 * duration. The node lifecycle controller judges a node by it.
 */
import { deepCopy, formatMicroTime, type DeepReadonly, type Lease, type Node } from '../../api/index.js';

/** NODE_LEASE_NAMESPACE is the namespace of node Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** newNodeLease is the Lease node creates at now (the lease controller's newLease). */
export function newNodeLease(node: DeepReadonly<Node>, durationSeconds: number, now: number): Lease {
  const name = node.metadata.name ?? '';
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      ...(node.metadata.uid === undefined ? {} : { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }] }),
    },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime: formatMicroTime(now) },
  };
}

/**
 * renewedLease is lease renewed at now: renewTime moved, holder and duration set again (another writer may
 * have changed them), and the owner reference to node added if it is missing (the Lease was created before
 * the Node was known, or the Node was registered again with a new UID).
 */
export function renewedLease(lease: DeepReadonly<Lease>, node: DeepReadonly<Node> | undefined, durationSeconds: number, now: number): Lease {
  const copy = deepCopy<Lease>(lease);
  const name = copy.metadata.name ?? '';
  copy.spec = { ...copy.spec, holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime: formatMicroTime(now) };
  const uid = node?.metadata.uid;
  if (uid !== undefined && !(copy.metadata.ownerReferences ?? []).some((r) => r.kind === 'Node' && r.uid === uid)) {
    copy.metadata.ownerReferences = [...(copy.metadata.ownerReferences ?? []).filter((r) => r.kind !== 'Node'), { apiVersion: 'v1', kind: 'Node', name, uid }];
  }
  return copy;
}
