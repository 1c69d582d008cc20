import type { Lease } from '../../../src/api/coordination-v1.js';
import { AlreadyExistsError, ConflictError } from '../../../src/components/client/errors.js';
import type { LeaseClient } from '../../../src/components/leaderelection/lease-client.js';

/** FakeLeaseStore keeps Leases in memory with resourceVersions and optimistic concurrency, and a history of writes. */
export class FakeLeaseStore {
  private readonly leases = new Map<string, Lease>();
  private rv = 0;
  /** history is every stored version, in order. */
  readonly history: Lease[] = [];

  /** client returns a LeaseClient; while cut() returns true its requests hang forever (a partition). */
  client(cut: () => boolean = () => false): LeaseClient {
    const hang = <T>(): Promise<T> => new Promise<T>(() => {});
    return {
      get: async (ns, name) => (cut() ? hang() : structuredClone(this.leases.get(`${ns}/${name}`))),
      create: async (lease) => (cut() ? hang() : this.create(lease)),
      update: async (lease) => (cut() ? hang() : this.update(lease)),
    };
  }

  get(ns: string, name: string): Lease | undefined {
    return structuredClone(this.leases.get(`${ns}/${name}`));
  }

  private key(l: Lease): string {
    return `${l.metadata.namespace}/${l.metadata.name}`;
  }

  private create(lease: Lease): Lease {
    if (this.leases.has(this.key(lease))) throw new AlreadyExistsError({ code: 409, reason: 'AlreadyExists', message: 'exists' });
    return this.store(lease);
  }

  private update(lease: Lease): Lease {
    const cur = this.leases.get(this.key(lease));
    if (cur === undefined || cur.metadata.resourceVersion !== lease.metadata.resourceVersion) {
      throw new ConflictError({ code: 409, reason: 'Conflict', message: 'the object has been modified' });
    }
    return this.store(lease);
  }

  private store(lease: Lease): Lease {
    const stored: Lease = structuredClone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } });
    this.leases.set(this.key(stored), stored);
    this.history.push(structuredClone(stored));
    return structuredClone(stored);
  }
}
