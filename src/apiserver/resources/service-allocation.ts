/**
 * Service IP and node-port allocation, as kube-apiserver's service REST storage does it: a Service of type
 * ClusterIP, NodePort or LoadBalancer gets a cluster IP from --service-cluster-ip-range (unless it asks
 * for a given one, or for `None`: headless); NodePort and LoadBalancer services get a node port per port from
 * --service-node-port-range. Each value is a claim (`serviceips/<ip>`, `servicenodeports/<port>`) the store
 * takes in the same transaction as the Service, so two Services never share one, whichever API server
 * replica allocated it. The first address of the range is reserved for the `kubernetes` service.
 */
import { FieldError, FieldPath, type KubeObject, type Service } from '../../api/index.js';
import { CapstanError } from '../../util/errors.js';
import type { Random } from '../../util/random.js';

/** ServiceRanges are where cluster IPs and node ports come from. */
export interface ServiceRanges {
  /** clusterIPRange is an IPv4 CIDR (kube-apiserver's --service-cluster-ip-range, kubeadm's 10.96.0.0/12). */
  readonly clusterIPRange: string;
  /** nodePortRange is `first-last` inclusive (--service-node-port-range, 30000-32767). */
  readonly nodePortRange: string;
}

/** DEFAULT_SERVICE_RANGES are kubeadm's defaults. */
export const DEFAULT_SERVICE_RANGES: ServiceRanges = { clusterIPRange: '10.96.0.0/12', nodePortRange: '30000-32767' };

/** ServiceRangeError is a range flag that cannot be used. */
export class ServiceRangeError extends CapstanError {
  constructor(message: string) {
    super(message, 'SERVICE_RANGE', false);
  }
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** ServiceRangeFullError: every value of a range is held (a 500, as kube-apiserver answers). */
export class ServiceRangeFullError extends CapstanError {
  readonly httpCode = 500;
  readonly reason = 'InternalError';
  constructor(what: string) {
    super(`Internal error occurred: failed to allocate a ${what}: range is full`, 'SERVICE_RANGE_FULL', false);
  }
}

/** ServiceAllocator allocates and validates the unique values of Services in its ranges. */
export class ServiceAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly firstPort: number;
  private readonly lastPort: number;

  constructor(readonly ranges: ServiceRanges) {
    const [net, bitsText] = ranges.clusterIPRange.split('/');
    const base = net === undefined ? undefined : ipToInt(net);
    const bits = Number(bitsText);
    if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) {
      throw new ServiceRangeError(`--service-cluster-ip-range: ${JSON.stringify(ranges.clusterIPRange)} is not an IPv4 CIDR from /8 to /30`);
    }
    this.size = 2 ** (32 - bits);
    this.base = (base - (base % this.size)) >>> 0;
    const m = /^(\d+)-(\d+)$/.exec(ranges.nodePortRange);
    this.firstPort = Number(m?.[1]);
    this.lastPort = Number(m?.[2]);
    if (m === null || this.firstPort < 1 || this.lastPort > 65535 || this.firstPort > this.lastPort) {
      throw new ServiceRangeError(`--service-node-port-range: ${JSON.stringify(ranges.nodePortRange)} is not a range like 30000-32767`);
    }
  }

  /** kubernetesServiceIP is the first usable address, kept for the `kubernetes` service. */
  get kubernetesServiceIP(): string {
    return intToIp(this.base + 1);
  }

  private inRange(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && n > this.base && n < this.base + this.size - 1;
  }

  /** claims lists a Service's cluster IPs and node ports as claim names. */
  claims(obj: KubeObject): string[] {
    const spec = (obj as Service).spec ?? {};
    const out: string[] = [];
    for (const ip of spec.clusterIPs ?? (spec.clusterIP === undefined ? [] : [spec.clusterIP])) if (ip !== '' && ip !== 'None') out.push(`serviceips/${ip}`);
    for (const p of spec.ports ?? []) if (p.nodePort !== undefined && p.nodePort !== 0) out.push(`servicenodeports/${p.nodePort}`);
    return [...new Set(out)];
  }

  /**
   * allocate fills in a cluster IP and node ports for what the Service leaves out and its type needs. Each
   * is drawn as kube-apiserver's bitmap allocator does: from a random offset, the first value not in taken
   * (the claims known to be held; empty on a first try, when a collision is merely unlikely). A range with
   * nothing free left is a 500, as kube-apiserver's `range is full`.
   */
  allocate(obj: KubeObject, random: Random, taken: ReadonlySet<string> = new Set()): void {
    const svc = obj as Service;
    const spec = svc.spec;
    if (spec === undefined || spec.type === 'ExternalName') return;
    // Skip the network address, the kubernetes service's address and the broadcast address.
    const clusterIP =
      (spec.clusterIP ?? '') === ''
        ? intToIp(this.base + 2 + this.draw(this.size - 3, random, (i) => taken.has(`serviceips/${intToIp(this.base + 2 + i)}`), 'serviceIP'))
        : spec.clusterIP!;
    spec.clusterIP = clusterIP;
    spec.clusterIPs = [clusterIP];
    if (spec.clusterIP !== 'None') {
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      const used = new Set((spec.ports ?? []).map((p) => p.nodePort ?? 0));
      for (const p of spec.ports ?? []) {
        if ((p.nodePort ?? 0) !== 0) continue;
        const port = this.firstPort + this.draw(this.lastPort - this.firstPort + 1, random, (i) => used.has(this.firstPort + i) || taken.has(`servicenodeports/${this.firstPort + i}`), 'nodePort');
        p.nodePort = port;
        used.add(port);
      }
      spec.externalTrafficPolicy ??= 'Cluster';
    }
    spec.internalTrafficPolicy ??= 'Cluster';
  }

  /** draw picks an offset in [0, n) that isTaken rejects not, scanning from a random start. */
  private draw(n: number, random: Random, isTaken: (i: number) => boolean, what: string): number {
    const start = random.int(n);
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (!isTaken(i)) return i;
    }
    throw new ServiceRangeFullError(what);
  }

  /** validate checks values a client chose against the ranges (422 field errors). */
  validate(obj: KubeObject): FieldError[] {
    const spec = (obj as Service).spec ?? {};
    const errs: FieldError[] = [];
    const ip = spec.clusterIP ?? '';
    if (ip !== '' && ip !== 'None' && !this.inRange(ip)) {
      errs.push(FieldError.invalid(FieldPath.root('spec', 'clusterIPs').index(0), ip, `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.ranges.clusterIPRange}`));
    }
    (spec.ports ?? []).forEach((p, i) => {
      const np = p.nodePort ?? 0;
      if (np !== 0 && (np < this.firstPort || np > this.lastPort)) {
        errs.push(FieldError.invalid(FieldPath.root('spec', 'ports').index(i).child('nodePort'), np, `provided port is not in the valid range. The range of valid ports is ${this.ranges.nodePortRange}`));
      }
      if (np !== 0 && spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') {
        errs.push(FieldError.forbidden(FieldPath.root('spec', 'ports').index(i).child('nodePort'), 'may not be used when `type` is \'ClusterIP\''));
      }
    });
    return errs;
  }

  /** claimTaken is the 422 cause for a value a client chose that another Service holds. */
  claimTaken(claim: string): FieldError {
    const [kind, value] = claim.split('/') as [string, string];
    if (kind === 'serviceips') return FieldError.invalid(FieldPath.root('spec', 'clusterIPs').index(0), value, `failed to allocate IP ${value}: provided IP is already allocated`);
    return FieldError.invalid(FieldPath.root('spec', 'ports').child('nodePort'), Number(value), 'provided port is already allocated');
  }
}

/** DEFAULT_KUBERNETES_SERVICE_IP is the `kubernetes` Service's address in the default range (kubeadm's 10.96.0.1). */
export const DEFAULT_KUBERNETES_SERVICE_IP = new ServiceAllocator(DEFAULT_SERVICE_RANGES).kubernetesServiceIP;
