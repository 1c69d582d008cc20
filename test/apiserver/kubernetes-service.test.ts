/**
 * The `kubernetes` Service and its Endpoints, kept by the API server replicas that serve a secure port
 * (kube-apiserver's kubernetes-service controller and lease endpoint reconciler): two replicas over one
 * store publish themselves; the Service comes back when deleted and its type and ports are put back; a replica
 * stopped cleanly leaves the Endpoints before it exits; a replica killed with SIGKILL drops out when its lease
 * expires. Real `capstan apiserver` processes with a short master lease TTL (2 s, rounds every 1.33 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { EndpointSlice, Endpoints, Service } from '../../src/api/index.js';
import { chooseAdvertiseAddress, defaultRouteInterface, resolveApiServerFlags } from '../../src/apiserver/config.js';
import { endpointsCurrent, endpointsSubsets, masterFromLease, serviceNeedsReset, SKIP_MIRROR_LABEL } from '../../src/apiserver/kubernetes-service.js';
import { generatePki } from '../../src/cli/launcher/pki.js';
import { EtcdClient } from '../../src/store/client/index.js';
import { freePorts } from '../../src/cli/launcher/processes.js';
import { useStore } from '../compat/helpers/store.js';
import { waitFor } from '../compat/helpers/wait.js';
import { makeTestDir } from '../lb/processes.js';
import { startApiServer, type ApiServerProcess } from './helpers/apiserver.js';
import { rest } from './helpers/rest.js';

describe('the kubernetes Service (pure parts)', () => {
  it('packs one subset per port with addresses sorted, so replicas on one port share a subset', () => {
    expect(endpointsSubsets([{ ip: '10.0.0.3', port: 6443 }, { ip: '10.0.0.1', port: 6443 }, { ip: '10.0.0.2', port: 6443 }])).toEqual([
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] },
    ]);
    expect(endpointsSubsets([{ ip: '127.0.0.1', port: 7002 }, { ip: '127.0.0.1', port: 7001 }])).toEqual([
      { addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 7001, protocol: 'TCP' }] },
      { addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 7002, protocol: 'TCP' }] },
    ]);
  });

  it('judges Endpoints current only with the same subsets and the skip-mirror label', () => {
    const subsets = endpointsSubsets([{ ip: '10.0.0.1', port: 6443 }]);
    const e = (labels: Record<string, string>): Endpoints => ({ metadata: { name: 'kubernetes', labels }, subsets });
    expect(endpointsCurrent(e({ [SKIP_MIRROR_LABEL]: 'true' }), subsets)).toBe(true);
    expect(endpointsCurrent(e({}), subsets)).toBe(false);
    expect(endpointsCurrent(e({ [SKIP_MIRROR_LABEL]: 'true' }), endpointsSubsets([{ ip: '10.0.0.2', port: 6443 }]))).toBe(false);
  });

  it('resets a Service whose type or 443/https/TCP port changed, whatever its target port', () => {
    const svc = (spec: Service['spec']): Service => ({ metadata: { name: 'kubernetes' }, spec });
    const https = { name: 'https', protocol: 'TCP' as const, port: 443, targetPort: 7001 };
    expect(serviceNeedsReset(svc({ type: 'ClusterIP', ports: [https] }))).toBe(false);
    expect(serviceNeedsReset(svc({ type: 'ClusterIP', ports: [{ ...https, targetPort: 7002 }] }))).toBe(false);
    expect(serviceNeedsReset(svc({ type: 'NodePort', ports: [https] }))).toBe(true);
    expect(serviceNeedsReset(svc({ type: 'ClusterIP', ports: [{ ...https, port: 8443 }] }))).toBe(true);
    expect(serviceNeedsReset(svc({ type: 'ClusterIP', ports: [https, { name: 'extra', port: 80 }] }))).toBe(true);
  });

  it('reads a master lease, and ignores one that is not an Endpoints with an address and a port', () => {
    const lease = { kind: 'Endpoints', metadata: { name: '10.0.0.1' }, subsets: endpointsSubsets([{ ip: '10.0.0.1', port: 6443 }]) };
    expect(masterFromLease(Buffer.from(JSON.stringify(lease)))).toEqual({ ip: '10.0.0.1', port: 6443 });
    expect(masterFromLease(Buffer.from('not json'))).toBeUndefined();
    expect(masterFromLease(Buffer.from(JSON.stringify({ subsets: [{ addresses: [{ ip: 'x' }], ports: [{ port: 1 }] }] })))).toBeUndefined();
  });

  it('advertises the bind address, else the default route\'s IPv4, else the first non-loopback one; flags are checked', () => {
    const nic = (address: string, internal: boolean) => ({ address, internal, family: 'IPv4' as const, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null });
    expect(chooseAdvertiseAddress('10.1.2.3', {})).toBe('10.1.2.3');
    expect(chooseAdvertiseAddress('0.0.0.0', { lo: [nic('127.0.0.1', true)], eth0: [nic('192.168.1.9', false)] })).toBe('192.168.1.9');
    // The default route's interface wins over the first one listed; with no usable address the flag is asked for.
    expect(chooseAdvertiseAddress('0.0.0.0', { docker0: [nic('172.17.0.1', false)], eth0: [nic('192.168.1.9', false)] }, 'eth0')).toBe('192.168.1.9');
    expect(() => chooseAdvertiseAddress('0.0.0.0', { lo: [nic('127.0.0.1', true)] })).toThrow(/set --advertise-address/);
    const route = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\neth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n';
    expect(defaultRouteInterface(route)).toBe('eth0');
    expect(defaultRouteInterface('Iface\tDestination\n')).toBeUndefined();
    const base = { etcdServers: 'http://127.0.0.1:2379', secure: undefined, securePort: '0', insecurePort: '8080' };
    expect(resolveApiServerFlags(base)).toMatchObject({ endpointReconciler: 'lease', endpointReconcilerLeaseTtlSeconds: 15 });
    expect(() => resolveApiServerFlags({ ...base, advertiseAddress: '0.0.0.0' })).toThrow(/--advertise-address/);
    expect(() => resolveApiServerFlags({ ...base, endpointReconcilerType: 'master-count' })).toThrow(/--endpoint-reconciler-type/);
    expect(() => resolveApiServerFlags({ ...base, endpointReconcilerLeaseTtl: '1s' })).toThrow(/--endpoint-reconciler-lease-ttl/);
  });
});

describe('the kubernetes Service', () => {
  const store = useStore({ name: 'kubernetes-service' });
  const dir = makeTestDir('kubernetes-service');
  let a: ApiServerProcess | undefined;
  let b: ApiServerProcess | undefined;
  let portA = 0;
  let portB = 0;
  let flags: (port: number) => string[];
  let caCert = '';

  beforeAll(async () => {
    const pki = await generatePki(dir.path, 'test-token');
    caCert = pki.caCert;
    [portA, portB] = (await freePorts(2)) as [number, number];
    flags = (port) => ['--bind-address=127.0.0.1', `--secure-port=${port}`, `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`, `--token-auth-file=${pki.tokenFile}`, '--endpoint-reconciler-lease-ttl=2s'];
    [a, b] = await Promise.all([startApiServer([store().endpoint], flags(portA)), startApiServer([store().endpoint], flags(portB))]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    dir.dispose();
  });

  const ports = async (): Promise<number[] | undefined> => {
    const r = await rest<Endpoints>(a!.url, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    if (r.status !== 200) return undefined;
    return (r.body.subsets ?? []).flatMap((s) => (s.ports ?? []).map((p) => p.port)).sort((x, y) => x - y);
  };

  it('is a ClusterIP Service on the range\'s first address, and its Endpoints list every replica', async () => {
    const svc = await waitFor(async () => {
      const r = await rest<Service>(a!.url, 'GET', '/api/v1/namespaces/default/services/kubernetes');
      return r.status === 200 ? r.body : undefined;
    }, { what: 'the kubernetes Service', timeoutMs: 10_000 });
    expect(svc.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: '10.96.0.1', sessionAffinity: 'None' });
    expect(svc.spec?.selector).toBeUndefined();
    expect(svc.spec?.ports).toEqual([{ name: 'https', protocol: 'TCP', port: 443, targetPort: expect.toSatisfy((p: number) => p === portA || p === portB) }]);
    const want = [portA, portB].sort((x, y) => x - y);
    await waitFor(async () => (JSON.stringify(await ports()) === JSON.stringify(want) ? true : undefined), { what: `endpoints on ports ${want.join(', ')}`, timeoutMs: 10_000 });
    const ep = (await rest<Endpoints>(a!.url, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body;
    expect(ep.metadata.labels).toEqual({ [SKIP_MIRROR_LABEL]: 'true' });
    expect(ep.subsets?.every((s) => s.addresses?.length === 1 && s.addresses[0]!.ip === '127.0.0.1' && s.ports?.[0]?.name === 'https')).toBe(true);
  });

  it('is not rewritten while both replicas renew their leases: replicas on different ports do not fight', async () => {
    const client = new EtcdClient({ endpoints: [store().endpoint] });
    try {
      const before = (await rest<Endpoints>(a!.url, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body.metadata.resourceVersion;
      const leases = async (): Promise<number[]> => (await client.get('/registry/masterleases/', { prefix: true })).kvs.map((kv) => kv.modRevision);
      const start = await leases();
      expect(start).toHaveLength(2);
      // Each replica renews its lease twice (two rounds each, 1.33 s apart).
      await waitFor(async () => {
        const now = await leases();
        return now.length === 2 && now.every((rev) => rev > Math.max(...start)) ? true : undefined;
      }, { what: 'two more rounds of both replicas', timeoutMs: 10_000, intervalMs: 100 });
      await waitFor(async () => {
        const now = await leases();
        return now.every((rev) => rev > Math.max(...start) + 2) ? true : undefined;
      }, { what: 'another round', timeoutMs: 10_000, intervalMs: 100 });
      const after = (await rest<Endpoints>(a!.url, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body.metadata.resourceVersion;
      expect(after).toBe(before);
      // The EndpointSlices copy the Endpoints: one per port, each address ready.
      const slices = (await rest<{ items: EndpointSlice[] }>(a!.url, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes')).body.items;
      expect(slices.map((s) => [s.metadata.name, s.ports?.[0]?.port, s.endpoints])).toEqual([
        ['kubernetes', Math.min(portA, portB), [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]],
        ['kubernetes-1', Math.max(portA, portB), [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]],
      ]);
    } finally {
      client.close();
    }
  });

  it('names the token\'s user in a SelfSubjectReview on the secure port', async () => {
    const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: portA, path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', method: 'POST', ca: readFileSync(caCert), servername: 'localhost', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(201);
    expect((JSON.parse(answer.text) as { status: unknown }).status).toEqual({ userInfo: { username: 'admin', uid: 'admin', groups: ['system:masters', 'system:authenticated'] } });
  });

  it('comes back when deleted, on the same address, and has its type and ports put back', async () => {
    expect((await rest(a!.url, 'DELETE', '/api/v1/namespaces/default/services/kubernetes')).status).toBe(200);
    const back = await waitFor(async () => {
      const r = await rest<Service>(b!.url, 'GET', '/api/v1/namespaces/default/services/kubernetes');
      return r.status === 200 ? r.body : undefined;
    }, { what: 'the kubernetes Service to be recreated', timeoutMs: 10_000 });
    expect(back.spec?.clusterIP).toBe('10.96.0.1');
    const changed = await rest<Service>(a!.url, 'PUT', '/api/v1/namespaces/default/services/kubernetes', { ...back, spec: { ...back.spec, type: 'NodePort', ports: [{ name: 'web', protocol: 'TCP', port: 8443, targetPort: 8443 }] } });
    expect(changed.status).toBe(200);
    const reset = await waitFor(async () => {
      const r = await rest<Service>(a!.url, 'GET', '/api/v1/namespaces/default/services/kubernetes');
      return r.body.spec?.type === 'ClusterIP' ? r.body : undefined;
    }, { what: 'the kubernetes Service to be reset', timeoutMs: 10_000 });
    expect(reset.spec?.ports?.map((p) => [p.name, p.port, p.protocol])).toEqual([['https', 443, 'TCP']]);
  });

  it('leaves a replica stopped cleanly out before it exits, and one killed with SIGKILL once its lease expires', async () => {
    await b!.stop();
    b = undefined;
    // No waiting: the replica removed itself (and its EndpointSlice) before it exited.
    expect(await ports()).toEqual([portA]);
    const slices = (await rest<{ items: EndpointSlice[] }>(a!.url, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices')).body.items;
    expect(slices.map((s) => [s.metadata.name, s.ports?.[0]?.port])).toEqual([['kubernetes', portA]]);

    const c = await startApiServer([store().endpoint], flags(portB));
    b = c;
    await waitFor(async () => ((await ports())?.length === 2 ? true : undefined), { what: 'the restarted replica in the endpoints', timeoutMs: 10_000 });
    await c.kill9();
    b = undefined;
    const killedAt = Date.now();
    await waitFor(async () => (JSON.stringify(await ports()) === JSON.stringify([portA]) ? true : undefined), { what: 'the killed replica to drop out', timeoutMs: 15_000, intervalMs: 100 });
    // Its lease (2 s) had to expire first: it was not removed by anything else.
    expect(Date.now() - killedAt).toBeGreaterThan(400);
  });
});
