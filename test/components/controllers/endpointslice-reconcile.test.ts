/** The endpointslice controller's pure decisions: what to create, update and delete for one Service. */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '../../../src/api/index.js';
import { CONTROLLER_NAME, reconcileSlices } from '../../../src/components/controllers/index.js';

function pod(name: string, ip: string, opts: { ready?: boolean; terminating?: boolean; labels?: Record<string, string>; node?: string; port?: number } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: opts.labels ?? { app: 'web' }, ...(opts.terminating === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: opts.node ?? 'n1', containers: [{ name: 'c', image: 'i', ports: opts.port === undefined ? [] : [{ name: 'http', containerPort: opts.port }] }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

const svc: Service = { metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { tier: 'front' } }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
const zones = (node: string): string | undefined => (node === 'n1' ? 'zone-a' : undefined);

/** stored turns a change into what the store would hold: named and versioned. */
function stored(s: EndpointSlice, name: string): EndpointSlice {
  return { ...s, metadata: { ...s.metadata, name, resourceVersion: '1' } };
}

const ips = (s: EndpointSlice): string[] => (s.endpoints ?? []).map((e) => e.addresses[0]!);

describe('reconcileSlices', () => {
  it('creates one slice of every selected pod, with kube\'s conditions, labels, owner and port', () => {
    const pods = [pod('b', '10.0.0.10'), pod('a', '10.0.0.9', { ready: false }), pod('t', '10.0.0.11', { terminating: true, node: 'n2' }), pod('x', '10.0.0.12', { labels: { app: 'db' } })];
    const c = reconcileSlices(svc, pods, zones, []);
    expect([c.update, c.delete]).toEqual([[], []]);
    expect(c.create).toHaveLength(1);
    const s = c.create[0]!;
    expect(s.metadata).toEqual({
      generateName: 'web-',
      namespace: 'ns',
      labels: { tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': CONTROLLER_NAME },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect([s.addressType, s.ports]).toEqual(['IPv4', [{ name: 'http', protocol: 'TCP', port: 8080 }]]);
    expect(s.endpoints).toEqual([
      { addresses: ['10.0.0.9'], conditions: { ready: false, serving: false, terminating: false }, targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' }, nodeName: 'n1', zone: 'zone-a' },
      { addresses: ['10.0.0.10'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' }, nodeName: 'n1', zone: 'zone-a' },
      { addresses: ['10.0.0.11'], conditions: { ready: false, serving: true, terminating: true }, targetRef: { kind: 'Pod', namespace: 'ns', name: 't', uid: 'uid-t' }, nodeName: 'n2' },
    ]);
  });

  it('writes nothing when the slices already say it, and rewrites only the slice a pod left', () => {
    const pods = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, `10.0.0.${i + 1}`));
    const first = reconcileSlices(svc, pods, zones, [], 2);
    expect(first.create.map(ips)).toEqual([['10.0.0.1', '10.0.0.2'], ['10.0.0.3', '10.0.0.4'], ['10.0.0.5']]);
    const existing = first.create.map((s, i) => stored(s, `web-${i}`));
    expect(reconcileSlices(svc, pods, zones, existing, 2)).toEqual({ create: [], update: [], delete: [] });
    // p1 goes: only its slice is rewritten; p5 arrives: it fills the room p1 left, not a new slice.
    const next = reconcileSlices(svc, [...pods.filter((p) => p.metadata.name !== 'p1'), pod('p5', '10.0.0.9')], zones, existing, 2);
    expect([next.create, next.delete]).toEqual([[], []]);
    expect(next.update.map((s) => [s.metadata.name, ips(s)])).toEqual([['web-0', ['10.0.0.1', '10.0.0.9']]]);
  });

  it('splits pods that resolve the ports differently, deletes emptied slices, and keeps one placeholder when nothing is selected', () => {
    const named: Service = { ...svc, spec: { ...svc.spec, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
    const c = reconcileSlices(named, [pod('a', '10.0.0.1', { port: 8080 }), pod('b', '10.0.0.2', { port: 9090 })], zones, []);
    expect(c.create.map((s) => [s.ports?.[0]?.port, ips(s)])).toEqual([[8080, ['10.0.0.1']], [9090, ['10.0.0.2']]]);
    const existing = c.create.map((s, i) => stored(s, `web-${i}`));
    const one = reconcileSlices(named, [pod('a', '10.0.0.1', { port: 8080 })], zones, existing);
    expect(one.delete.map((s) => s.metadata.name)).toEqual(['web-1']);
    const none = reconcileSlices(named, [], zones, existing);
    expect([none.create, none.delete.map((s) => s.metadata.name)]).toEqual([[], ['web-1']]);
    expect(none.update.map((s) => [s.metadata.name, s.endpoints, s.ports])).toEqual([['web-0', [], []]]);
    expect(reconcileSlices(named, [], zones, []).create.map((s) => [s.endpoints, s.ports])).toEqual([[[], []]]);
  });

  it('leaves the slices of a service that is gone, has no selector or is ExternalName to the garbage collector', () => {
    const existing = reconcileSlices(svc, [pod('a', '10.0.0.1')], zones, []).create.map((s, i) => stored(s, `web-${i}`));
    const none = { create: [], update: [], delete: [] };
    expect(reconcileSlices(undefined, [], zones, existing)).toEqual(none);
    expect(reconcileSlices({ ...svc, spec: { ports: svc.spec!.ports! } }, [], zones, existing)).toEqual(none);
    expect(reconcileSlices({ ...svc, spec: { ...svc.spec, type: 'ExternalName' } }, [], zones, existing)).toEqual(none);
  });

  it('deletes slices owned by another object without reusing them, ignores slices being deleted, creates none for a service being deleted', () => {
    const named: Service = { ...svc, spec: { ...svc.spec, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
    const mine = stored(reconcileSlices(named, [pod('a', '10.0.0.1', { port: 8080 })], zones, []).create[0]!, 'web-0');
    const older = { ...mine, metadata: { ...mine.metadata, name: 'web-old', ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'older-uid', controller: true }] } };
    const going = { ...mine, metadata: { ...mine.metadata, name: 'web-going', deletionTimestamp: '2026-01-01T00:00:00Z' } };
    // b resolves the port differently: a new slice, not the older service's slice taken over.
    const c = reconcileSlices(named, [pod('a', '10.0.0.1', { port: 8080 }), pod('b', '10.0.0.2', { port: 9090 })], zones, [mine, older, going]);
    expect(c.delete.map((s) => s.metadata.name)).toEqual(['web-old']);
    expect(c.create.map((s) => [s.ports?.[0]?.port, ips(s)])).toEqual([[9090, ['10.0.0.2']]]);
    expect(c.update).toEqual([]);
    const deleting = { ...svc, metadata: { ...svc.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    expect(reconcileSlices(deleting, [pod('a', '10.0.0.1')], zones, []).create).toEqual([]);
  });

  it('rewrites a slice whose port set is gone instead of creating another (finalize), and leaves finished pods out', () => {
    const existing = [stored(reconcileSlices(svc, [pod('a', '10.0.0.1')], zones, []).create[0]!, 'web-0')];
    const moved: Service = { ...svc, spec: { ...svc.spec, ports: [{ name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' }] } };
    const finished = { ...pod('done', '10.0.0.3'), status: { ...pod('done', '10.0.0.3').status, phase: 'Succeeded' as const } };
    const c = reconcileSlices(moved, [pod('a', '10.0.0.1'), finished], zones, existing);
    expect([c.create, c.delete]).toEqual([[], []]);
    expect(c.update.map((s) => [s.metadata.name, s.metadata.resourceVersion, s.ports?.[0]?.port, ips(s)])).toEqual([['web-0', '1', 9090, ['10.0.0.1']]]);
  });
});
