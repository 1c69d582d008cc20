/**
 * LeaseClient is the little of the API the elector needs: get, create and update one Lease. restLeaseClient
 * adapts a RestClient; tests substitute an in-memory one.
 */
import type { Lease } from '../../api/coordination-v1.js';
import { isNotFound } from '../client/errors.js';
import { LEASES } from '../client/resource.js';
import type { RestClient } from '../client/rest-client.js';

/** LeaseClient reads and writes Leases; update fails with a Conflict error on a stale resourceVersion. */
export interface LeaseClient {
  /** get returns the Lease, or undefined when it does not exist. */
  get(namespace: string, name: string): Promise<Lease | undefined>;
  /** create creates the Lease (AlreadyExists if it is there). */
  create(lease: Lease): Promise<Lease>;
  /** update replaces the Lease if metadata.resourceVersion is current (Conflict otherwise). */
  update(lease: Lease): Promise<Lease>;
}

/** restLeaseClient is a LeaseClient over coordination.k8s.io/v1 leases of a RestClient. */
export function restLeaseClient(client: RestClient): LeaseClient {
  return {
    async get(namespace, name) {
      try {
        return await client.get<Lease>(LEASES, namespace, name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    create: (lease) => client.create<Lease>(LEASES, lease.metadata.namespace, lease),
    update: (lease) => client.update<Lease>(LEASES, lease),
  };
}
