/**
 * Endpoints helpers shared by the endpoint and endpointslice controllers and the API server's `kubernetes`
 * Service: subsets repacked as Kubernetes' endpoints.RepackSubsets does, and addresses ordered.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from './core-v1.js';

/** repackSubsets merges subsets with the same ports, dedupes and sorts (endpoints.RepackSubsets). */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const byPorts = new Map<string, { ports: EndpointPort[]; ready: Map<string, EndpointAddress>; notReady: Map<string, EndpointAddress> }>();
  for (const s of subsets) {
    const ports = [...(s.ports ?? [])].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
    const key = JSON.stringify(ports);
    let e = byPorts.get(key);
    if (e === undefined) byPorts.set(key, (e = { ports, ready: new Map(), notReady: new Map() }));
    for (const a of s.addresses ?? []) e.ready.set(`${a.ip}/${a.targetRef?.uid ?? ''}`, a);
    for (const a of s.notReadyAddresses ?? []) e.notReady.set(`${a.ip}/${a.targetRef?.uid ?? ''}`, a);
  }
  const byIP = (a: EndpointAddress, b: EndpointAddress): number => compareIP(a.ip, b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
  const out: EndpointSubset[] = [];
  for (const e of [...byPorts.values()].sort((a, b) => JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)))) {
    for (const k of e.ready.keys()) e.notReady.delete(k);
    const s: EndpointSubset = {};
    if (e.ready.size > 0) s.addresses = [...e.ready.values()].sort(byIP);
    if (e.notReady.size > 0) s.notReadyAddresses = [...e.notReady.values()].sort(byIP);
    if (e.ports.length > 0) s.ports = e.ports;
    if (s.addresses !== undefined || s.notReadyAddresses !== undefined) out.push(s);
  }
  return out;
}

/** compareIP orders IPv4 addresses numerically (others as strings), as the endpoints' addresses are sorted. */
export function compareIP(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4 && pa.every(Number.isInteger) && pb.every(Number.isInteger)) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  }
  return a.localeCompare(b);
}
