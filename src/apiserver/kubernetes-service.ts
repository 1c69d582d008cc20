/**
 * The `kubernetes` Service in `default` and its Endpoints, kept by every API server replica that serves a
 * secure port, as kube-apiserver's kubernetes-service controller and lease endpoint reconciler keep them:
 *
 * - the Service: ClusterIP, the first address of --service-cluster-ip-range, port 443 named `https` targeting
 *   the secure port, no selector (so the endpoint controller leaves its Endpoints alone), labels
 *   `component=apiserver` and `provider=kubernetes`; created when missing (also after an operator deletes
 *   it), its type and ports put back when changed;
 * - a master lease per replica: `<prefix>/masterleases/<address>:<port>` under an etcd lease of
 *   --endpoint-reconciler-lease-ttl (15 s), refreshed every two thirds of it (kube's 10 s), holding an
 *   Endpoints with the replica's address and port, so a replica that dies drops out when its lease expires;
 * - the Endpoints `default/kubernetes`: the live master leases, repacked (one subset per port, addresses sorted),
 *   labelled `endpointslice.kubernetes.io/skip-mirror=true`; a listing with no lease at all (the replica has just
 *   written its own) is distrusted and leaves the Endpoints as they are.
 *
 * Where kube-apiserver keys a master lease by IP alone and assumes one port for every replica, capstan keys it
 * by address and port and packs one subset per port, so replicas sharing one host on different ports (`capstan
 * up`) all appear. A replica stopping cleanly removes its lease and reconciles at once (kube's RemoveEndpoints).
 * With --endpoint-reconciler-type=none the Service is kept and the Endpoints are not.
 *
 * The Endpoints are copied into EndpointSlices as kube's EndpointsAdapter does (name `kubernetes`, label
 * `kubernetes.io/service-name=kubernetes`, each address ready): one slice per subset, the first named
 * `kubernetes`, the others `kubernetes-1`, `kubernetes-2` …, since a slice holds one set of ports.
 */
import { isIP } from 'node:net';
import { jsonEqual, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, repackSubsets, type EndpointSlice, type Endpoints, type EndpointSubset, type Service, type ServicePort } from '../api/index.js';
import type { EtcdClient } from '../store/client/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { CapstanError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { StatusError } from './errors.js';
import type { RestHandlers } from './handlers.js';
import type { RequestInfo } from './request-info.js';
import type { ResourceType } from './resource.js';
import { LeaseManager } from './storage/lease-manager.js';
import type { ObjectStore } from './storage/object-store.js';

/** KUBERNETES_SERVICE is the name of the Service (and Endpoints) of the API servers in `default`. */
export const KUBERNETES_SERVICE = 'kubernetes';

/** SKIP_MIRROR_LABEL keeps the EndpointSlice mirroring controller away from the Endpoints. */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

/** MasterAddress is where one replica serves its secure port. */
export interface MasterAddress {
  readonly ip: string;
  readonly port: number;
}

/** KubernetesServiceOptions say what to publish and how often. */
export interface KubernetesServiceOptions {
  /** serviceIP is the Service's cluster IP: the first address of the service range. */
  readonly serviceIP: string;
  /** self is this replica's advertised address and secure port. */
  readonly self: MasterAddress;
  /** reconcileEndpoints is false for --endpoint-reconciler-type=none: the Service only. */
  readonly reconcileEndpoints: boolean;
  /** leaseTtlSeconds is the TTL of the replica's master lease; it is refreshed every two thirds of it. */
  readonly leaseTtlSeconds: number;
}

/** KubernetesServiceDeps are the replica's parts the controller writes through. */
export interface KubernetesServiceDeps {
  readonly handlers: RestHandlers;
  readonly store: ObjectStore;
  readonly client: EtcdClient;
  readonly services: ResourceType;
  readonly endpoints: ResourceType;
  /** endpointSlices, when served, get copies of the Endpoints. */
  readonly endpointSlices?: ResourceType;
  readonly clock: Clock;
  readonly log: Logger;
}

/** NoMasterLeasesError: the listing of master leases came back empty although this replica had just written its own. */
export class NoMasterLeasesError extends CapstanError {
  constructor() {
    super('no master leases listed; refusing to erase every endpoint of the kubernetes service', 'NO_MASTER_LEASES', true);
  }
}

/** RETRY_MS is how soon a round that failed (the store unreachable, a conflict) is tried again. */
const RETRY_MS = 1_000;

/** STOP_TIMEOUT_MS bounds the clean stop's removal of the replica's lease, so shutdown never hangs on the store. */
const STOP_TIMEOUT_MS = 2_000;

/** servicePorts are the ports the Service must have: 443 `https` to the replica's secure port. */
export function servicePorts(securePort: number): ServicePort[] {
  return [{ name: 'https', protocol: 'TCP', port: 443, targetPort: securePort }];
}

/**
 * serviceNeedsReset reports whether a stored Service lost the type or ports it must have (kube's
 * checkServiceFormat). The target port is not compared: replicas on one host serve different ports, and each
 * would otherwise put its own back every round.
 */
export function serviceNeedsReset(svc: Service): boolean {
  const ports = svc.spec?.ports ?? [];
  const want = servicePorts(0)[0]!;
  if ((svc.spec?.type ?? 'ClusterIP') !== 'ClusterIP' || ports.length !== 1) return true;
  const p = ports[0]!;
  return p.name !== want.name || (p.protocol ?? 'TCP') !== want.protocol || p.port !== want.port;
}

/** endpointsSubsets are the Endpoints' subsets for the live masters: one subset per port, addresses sorted. */
export function endpointsSubsets(masters: readonly MasterAddress[]): EndpointSubset[] {
  return repackSubsets(masters.map((m) => ({ addresses: [{ ip: m.ip }], ports: [{ name: 'https', port: m.port, protocol: 'TCP' }] })));
}

/** endpointsCurrent reports whether stored Endpoints already say what subsets say, with the skip-mirror label. */
export function endpointsCurrent(e: Endpoints, subsets: readonly EndpointSubset[]): boolean {
  return e.metadata.labels?.[SKIP_MIRROR_LABEL] === 'true' && jsonEqual(e.subsets ?? [], subsets);
}

/** sliceName is the name of the EndpointSlice of the i-th subset. */
function sliceName(i: number): string {
  return i === 0 ? KUBERNETES_SERVICE : `${KUBERNETES_SERVICE}-${i}`;
}

/** endpointSlicesFor are the EndpointSlices copying the subsets: one per subset, each address ready. */
export function endpointSlicesFor(subsets: readonly EndpointSubset[]): EndpointSlice[] {
  return subsets.map((s, i) => {
    const ips = (s.addresses ?? []).map((a) => a.ip);
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: sliceName(i), namespace: 'default', labels: { [LABEL_SERVICE_NAME]: KUBERNETES_SERVICE } },
      addressType: ips.length > 0 && ips.every((ip) => isIP(ip) === 6) ? 'IPv6' : 'IPv4',
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: (s.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port })),
    };
  });
}

/** masterFromLease reads a master lease's value (an Endpoints with one address and port), or undefined. */
export function masterFromLease(value: Buffer): MasterAddress | undefined {
  try {
    const e = JSON.parse(value.toString('utf8')) as Endpoints;
    const s = e.subsets?.[0];
    const ip = s?.addresses?.[0]?.ip;
    const port = s?.ports?.[0]?.port;
    return typeof ip === 'string' && isIP(ip) !== 0 && Number.isInteger(port) ? { ip, port: port! } : undefined;
  } catch {
    return undefined;
  }
}

function info(verb: RequestInfo['verb'], resource: string, name: string, group = ''): RequestInfo {
  return { verb, group, version: 'v1', namespace: 'default', resource, subresource: '', name };
}

/** KubernetesServiceController: see the module comment. */
export class KubernetesServiceController {
  private readonly leases: LeaseManager;
  private readonly log: Logger;
  private timer: TimerHandle | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: KubernetesServiceDeps,
    private readonly opts: KubernetesServiceOptions,
  ) {
    // A lease manager of its own: the events' one reuses leases of another TTL.
    this.leases = new LeaseManager(deps.client, deps.clock);
    this.log = deps.log.child({ controller: 'kubernetes-service' });
  }

  private get leaseKey(): string {
    return `${this.deps.store.prefix}/masterleases/${this.opts.self.ip}:${this.opts.self.port}`;
  }

  private get intervalMs(): number {
    return Math.round((this.opts.leaseTtlSeconds * 1000 * 2) / 3);
  }

  /** start runs the first round at once, then one every two thirds of the lease TTL. */
  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.round = this.reconcile().then(
        () => this.schedule(this.intervalMs),
        (err: unknown) => {
          this.log.warn({ err }, 'kubernetes service: reconcile failed; retrying');
          this.schedule(RETRY_MS);
        },
      );
    }, ms);
  }

  /**
   * stop ends the rounds and, when the Endpoints are reconciled, removes this replica's lease and rewrites the
   * Endpoints without it (again after a Conflict with another replica's write), so clients stop being sent to
   * it before it goes. The round in flight and the removal together get STOP_TIMEOUT_MS, so an unreachable
   * store cannot hold shutdown.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    const work = (async () => {
      await this.round?.catch(() => undefined);
      if (!this.opts.reconcileEndpoints) return;
      await this.deps.client.delete(this.leaseKey);
      for (;;) {
        try {
          await this.reconcileEndpoints(true);
          return;
        } catch (err) {
          if (!(err instanceof StatusError && err.reason === 'Conflict')) throw err;
        }
      }
    })();
    let timeout: TimerHandle | undefined;
    try {
      await Promise.race([work, new Promise<void>((resolve) => (timeout = this.deps.clock.setTimeout(resolve, STOP_TIMEOUT_MS)))]);
    } catch (err) {
      this.log.warn({ err }, 'kubernetes service: could not remove this replica from the endpoints');
    } finally {
      timeout?.cancel();
      // Past the deadline the removal may still fail (the client is about to close): nothing to report then.
      work.catch(() => undefined);
    }
  }

  /** reconcile is one round: the Service, then (with leases) this replica's lease and the Endpoints. */
  async reconcile(): Promise<void> {
    await this.reconcileService();
    if (!this.opts.reconcileEndpoints) return;
    const lease = await this.leases.lease(this.opts.leaseTtlSeconds);
    const value: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: this.opts.self.ip },
      subsets: endpointsSubsets([this.opts.self]),
    };
    await this.deps.client.put(this.leaseKey, Buffer.from(JSON.stringify(value)), { lease });
    await this.reconcileEndpoints();
  }

  private async reconcileService(): Promise<void> {
    const { handlers, store, services } = this.deps;
    const current = await store.get(store.key('services', 'default', KUBERNETES_SERVICE));
    if (current === undefined) {
      const svc: Service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: KUBERNETES_SERVICE, namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: this.opts.serviceIP, ports: servicePorts(this.opts.self.port), sessionAffinity: 'None' },
      };
      await this.ignoring('AlreadyExists', () => handlers.create(services, info('create', 'services', ''), svc));
      return;
    }
    const svc = current.obj as Service;
    if (!serviceNeedsReset(svc)) return;
    this.log.warn({ type: svc.spec?.type, ports: svc.spec?.ports }, 'kubernetes service: resetting its type and ports');
    const reset: Service = { ...svc, spec: { ...svc.spec, type: 'ClusterIP', ports: servicePorts(this.opts.self.port) } };
    await this.ignoring('Conflict', () => handlers.update(services, info('update', 'services', KUBERNETES_SERVICE), reset));
  }

  /**
   * reconcileEndpoints rewrites the Endpoints (and their slices) from the live master leases. The Endpoints are
   * read before the leases are listed, as kube's doReconcile: a replica that removed itself in between makes
   * this write fail on its resourceVersion instead of putting it back. A Conflict means another replica wrote
   * first and is left to the next round, unless conflicts is set (a stopping replica retries).
   */
  private async reconcileEndpoints(conflicts = false): Promise<void> {
    const { client, handlers, store, endpoints } = this.deps;
    const current = await store.get(store.key('endpoints', 'default', KUBERNETES_SERVICE));
    const listed = await client.get(`${store.prefix}/masterleases/`, { prefix: true });
    const masters = listed.kvs.map((kv) => masterFromLease(kv.value)).filter((m): m is MasterAddress => m !== undefined);
    // The replica has just written its own lease: none at all means a bad listing (or the last replica is
    // leaving), and the Endpoints are left as they are rather than emptied.
    if (masters.length === 0) {
      if (this.stopped) return;
      throw new NoMasterLeasesError();
    }
    const subsets = endpointsSubsets(masters);
    const existing = current?.obj as Endpoints | undefined;
    // The slices follow the Endpoints only once these are written (kube's EndpointsAdapter): a write that lost to
    // another replica's must not leave its stale view in the slices either.
    if (existing !== undefined && endpointsCurrent(existing, subsets)) {
      await this.reconcileSlices(subsets);
      return;
    }
    this.log.info({ masters: masters.map((m) => `${m.ip}:${m.port}`) }, 'kubernetes service: resetting its endpoints');
    const labels = { ...existing?.metadata.labels, [SKIP_MIRROR_LABEL]: 'true' };
    let written = true;
    if (existing === undefined) {
      const e: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: KUBERNETES_SERVICE, namespace: 'default', labels }, subsets };
      written = await this.ignoring('AlreadyExists', () => handlers.create(endpoints, info('create', 'endpoints', ''), e));
    } else {
      const e: Endpoints = { ...existing, metadata: { ...existing.metadata, labels }, subsets };
      const update = (): Promise<unknown> => handlers.update(endpoints, info('update', 'endpoints', KUBERNETES_SERVICE), e);
      if (conflicts) await update();
      else written = await this.ignoring('Conflict', update);
    }
    if (written) await this.reconcileSlices(subsets);
  }

  /** reconcileSlices writes the slices that copy subsets, and deletes the numbered ones no subset needs. */
  private async reconcileSlices(subsets: readonly EndpointSubset[]): Promise<void> {
    const { handlers, store, endpointSlices } = this.deps;
    if (endpointSlices === undefined) return;
    const want = endpointSlicesFor(subsets);
    for (const slice of want) {
      const name = slice.metadata.name!;
      const current = await store.get(store.key('endpointslices', 'default', name));
      const stored = current?.obj as EndpointSlice | undefined;
      if (stored === undefined) {
        await this.ignoring('AlreadyExists', () => handlers.create(endpointSlices, info('create', 'endpointslices', '', 'discovery.k8s.io'), slice));
        continue;
      }
      if (jsonEqual([stored.metadata.labels, stored.addressType, stored.endpoints, stored.ports], [slice.metadata.labels, slice.addressType, slice.endpoints, slice.ports])) continue;
      if (stored.addressType !== slice.addressType) {
        // The address type is immutable: the slice is replaced, as kube's EndpointsAdapter does.
        await this.ignoring('NotFound', () => handlers.delete(endpointSlices, info('delete', 'endpointslices', name, 'discovery.k8s.io'), {}));
        await this.ignoring('AlreadyExists', () => handlers.create(endpointSlices, info('create', 'endpointslices', '', 'discovery.k8s.io'), slice));
        continue;
      }
      const next: EndpointSlice = { ...stored, metadata: { ...stored.metadata, labels: slice.metadata.labels! }, addressType: slice.addressType, endpoints: slice.endpoints, ports: slice.ports! };
      await this.ignoring('Conflict', () => handlers.update(endpointSlices, info('update', 'endpointslices', name, 'discovery.k8s.io'), next));
    }
    const listed = await store.list({ prefix: store.listPrefix('endpointslices', 'default') + `${KUBERNETES_SERVICE}-` });
    for (const item of listed.items) {
      const slice = item.obj as EndpointSlice;
      const m = /^kubernetes-(\d+)$/.exec(slice.metadata.name ?? '');
      const ours = m !== null && slice.metadata.labels?.[LABEL_SERVICE_NAME] === KUBERNETES_SERVICE && slice.metadata.labels[LABEL_MANAGED_BY] === undefined;
      if (!ours || Number(m[1]) < want.length) continue;
      await this.ignoring('NotFound', () => handlers.delete(endpointSlices, info('delete', 'endpointslices', slice.metadata.name!, 'discovery.k8s.io'), {}));
    }
  }

  /**
   * ignoring runs a write whose failure for reason means another replica got there first (next round settles
   * it); it says whether the write was done.
   */
  private async ignoring(reason: string, write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      if (!(err instanceof StatusError && err.reason === reason)) throw err;
      return false;
    }
  }
}
