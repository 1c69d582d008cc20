/**
 * coordination.k8s.io/v1 Lease (k8s.io/api/coordination/v1): the lock of leader election (scheduler,
 * controller-manager in kube-system) and the heartbeat of nodes (kube-node-lease). Times are MicroTime.
 */
import type { KubeList, KubeObject, MicroTime } from './meta-v1.js';

/** LeaseSpec is the state of a lease, updated with optimistic concurrency by its holder and contenders. */
export interface LeaseSpec {
  /** holderIdentity is the current holder; empty once released. */
  holderIdentity?: string;
  /** leaseDurationSeconds is how long contenders wait after the last renewal before taking over. */
  leaseDurationSeconds?: number;
  acquireTime?: MicroTime | null;
  renewTime?: MicroTime | null;
  /** leaseTransitions counts changes of holder. */
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

/** Lease is a lease object. */
export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** LeaseList is a list of Leases. */
export type LeaseList = KubeList<Lease>;
