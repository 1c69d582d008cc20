/** The endpoint controller's pure computation of a Service's Endpoints, table-driven. */
import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '../../../src/api/index.js';
import { desiredEndpoints, endpointSubsets, findPort, podEndpointChanged } from '../../../src/components/controllers/index.js';

function pod(name: string, ip: string, ready: boolean, extra: { labels?: Record<string, string>; ports?: { name: string; containerPort: number }[]; terminating?: boolean; phase?: 'Running' | 'Succeeded'; restartPolicy?: 'Never' } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1', labels: extra.labels ?? { app: 'web' }, ...(extra.terminating === true ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', ports: extra.ports ?? [] }], ...(extra.restartPolicy === undefined ? {} : { restartPolicy: extra.restartPolicy }) },
    status: { phase: extra.phase ?? 'Running', ...(ip === '' ? {} : { podIP: ip }), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function svc(ports: Service['spec'] extends infer S ? (S extends { ports?: infer P } ? P : never) : never, extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { metadata: { name: 'web', namespace: 'ns', labels: { tier: 'front' } }, spec: { selector: { app: 'web' }, ports, ...extra } };
}

const addrs = (e: ReturnType<typeof endpointSubsets>): string[] =>
  e.flatMap((s) => [...(s.addresses ?? []).map((a) => `${a.ip}`), ...(s.notReadyAddresses ?? []).map((a) => `!${a.ip}`)].map((a) => `${a}@${(s.ports ?? []).map((p) => p.port).join('+')}`));

describe('endpointSubsets', () => {
  const cases: { name: string; svc: Service; pods: Pod[]; want: string[] }[] = [
    { name: 'ready pods, numeric targetPort, sorted by IP', svc: svc([{ port: 80, targetPort: 8080 }]), pods: [pod('b', '10.0.0.10', true), pod('a', '10.0.0.9', true)], want: ['10.0.0.9@8080', '10.0.0.10@8080'] },
    { name: 'not-ready pods are notReadyAddresses', svc: svc([{ port: 80, targetPort: 8080 }]), pods: [pod('a', '10.0.0.1', true), pod('b', '10.0.0.2', false)], want: ['10.0.0.1@8080', '!10.0.0.2@8080'] },
    { name: 'no IP yet, other labels, terminating: left out', svc: svc([{ port: 80 }]), pods: [pod('a', '', true), pod('b', '10.0.0.2', true, { labels: { app: 'db' } }), pod('c', '10.0.0.3', true, { terminating: true })], want: [] },
    { name: 'publishNotReadyAddresses: all ready', svc: svc([{ port: 80 }], { publishNotReadyAddresses: true }), pods: [pod('b', '10.0.0.2', false)], want: ['10.0.0.2@80'] },
    { name: 'finished pod with restartPolicy Never is left out', svc: svc([{ port: 80 }]), pods: [pod('a', '10.0.0.1', false, { phase: 'Succeeded', restartPolicy: 'Never' })], want: [] },
    {
      name: 'named targetPort resolves per pod; pods without it are left out of that port',
      svc: svc([{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }]),
      pods: [pod('a', '10.0.0.1', true, { ports: [{ name: 'web', containerPort: 8080 }] }), pod('b', '10.0.0.2', true, { ports: [{ name: 'web', containerPort: 9090 }] }), pod('c', '10.0.0.3', true)],
      want: ['10.0.0.1@8080', '10.0.0.2@9090'],
    },
    { name: 'headless without ports: addresses only', svc: svc([], { clusterIP: 'None' }), pods: [pod('a', '10.0.0.1', true)], want: ['10.0.0.1@'] },
  ];
  for (const c of cases) it(c.name, () => expect(addrs(endpointSubsets(c.svc, c.pods))).toEqual(c.want));

  it('addresses carry nodeName and a targetRef to the pod', () => {
    const [s] = endpointSubsets(svc([{ name: 'http', port: 80, targetPort: 8080 }]), [pod('a', '10.0.0.1', true)]);
    expect(s).toEqual({
      addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  });

  it('findPort: a number, a numeric string, a name of the right protocol', () => {
    const p = pod('a', '10.0.0.1', true, { ports: [{ name: 'dns', containerPort: 53 }] });
    expect(findPort(p, { port: 80, targetPort: 81 })).toBe(81);
    expect(findPort(p, { port: 80, targetPort: '82' })).toBe(82);
    expect(findPort(p, { port: 80, targetPort: 'dns' })).toBe(53);
    expect(findPort(p, { port: 80, targetPort: 'dns', protocol: 'UDP' })).toBeUndefined();
  });
});

describe('podEndpointChanged', () => {
  const base = pod('a', '10.0.0.1', true);
  const cases: [string, Pod, boolean][] = [
    ['an annotation', { ...base, metadata: { ...base.metadata, annotations: { x: 'y' }, resourceVersion: '2' } }, false],
    ['readiness', pod('a', '10.0.0.1', false), true],
    ['the IP', pod('a', '10.0.0.2', true), true],
    ['labels', pod('a', '10.0.0.1', true, { labels: { app: 'x' } }), true],
    ['deletion', pod('a', '10.0.0.1', true, { terminating: true }), true],
  ];
  for (const [what, next, want] of cases) it(`${what} → ${String(want)}`, () => expect(podEndpointChanged(base, next)).toBe(want));
});

describe('desiredEndpoints', () => {
  it('creates, then sees nothing to write, then updates on change; labels follow the service', () => {
    const s = svc([{ port: 80, targetPort: 8080 }]);
    const first = desiredEndpoints(s, [pod('a', '10.0.0.1', true)], undefined)!;
    expect(first.metadata).toEqual({ name: 'web', namespace: 'ns', labels: { tier: 'front' } });
    const stored: Endpoints = { ...first, metadata: { ...first.metadata, resourceVersion: '7', uid: 'e1' } };
    expect(desiredEndpoints(s, [pod('a', '10.0.0.1', true)], stored)).toBeUndefined();
    const next = desiredEndpoints(s, [pod('a', '10.0.0.1', false)], stored)!;
    expect(next.metadata.resourceVersion).toBe('7');
    expect(next.subsets).toEqual([{ notReadyAddresses: [expect.objectContaining({ ip: '10.0.0.1' })], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });
});
