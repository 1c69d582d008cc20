/**
 * coordination.k8s.io/v1 leases: the locks of leader election and the heartbeats of nodes. A PUT of a
 * missing lease creates it, as kube-apiserver allows.
 */
import { FieldError, FieldPath, type Lease } from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { defineResource } from './generic.js';

function validateLease(o: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const d = o.spec?.leaseDurationSeconds;
  if (d !== undefined && d <= 0) errs.push(FieldError.invalid(FieldPath.root('spec', 'leaseDurationSeconds'), d, 'must be greater than 0'));
  const t = o.spec?.leaseTransitions;
  if (t !== undefined && t < 0) errs.push(FieldError.invalid(FieldPath.root('spec', 'leaseTransitions'), t, 'must be greater than or equal to 0'));
  return errs;
}

const leases = defineResource({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  resource: 'leases',
  namespaced: true,
  allowCreateOnUpdate: true,
  validate: (o) => validateLease(o as Lease),
  validateUpdate: (o) => validateLease(o as Lease),
});

/** COORDINATION_V1 lists the coordination.k8s.io/v1 resources capstan serves. */
export const COORDINATION_V1: readonly ResourceType[] = [leases];
