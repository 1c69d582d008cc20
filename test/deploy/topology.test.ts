import { describe, expect, it } from 'vitest';
import { TopologyError, parseTopology } from '../../src/deploy/topology.js';

const host = (name: string, address: string, roles: string): string => `  - { name: ${name}, address: ${address}, roles: [${roles}] }`;
const doc = (...hosts: string[]): string => ['vip: { address: 10.1.0.10, port: 8443 }', 'hosts:', ...hosts].join('\n');
const three = [
  host('cp-1', '10.1.0.11', 'store, apiserver, scheduler, controller-manager, lb'),
  host('cp-2', '10.1.0.12', 'store, apiserver, scheduler, controller-manager, lb'),
  host('cp-3', '10.1.0.13', 'store, apiserver, scheduler, controller-manager, lb'),
];

describe('parseTopology', () => {
  it('fills in etcd\'s and Kubernetes\' ports, /usr/bin/capstan and a token named after the cluster', () => {
    const t = parseTopology(doc(...three, '  - { name: w-1, address: 10.1.0.21, roles: [node] }'));
    expect(t.ports).toMatchObject({ storeClient: 2379, storePeer: 2380, apiserver: 6443, scheduler: 10251, controllerManager: 10252 });
    expect(t.install).toEqual({ command: ['/usr/bin/capstan'], user: 'capstan', configDir: '/etc/capstan' });
    expect(t.store.clusterToken).toBe('capstan-store');
    expect(t.hosts[3]).toMatchObject({ nodes: 10, interface: 'eth0' });
    expect(t.vip).toEqual({ address: '10.1.0.10', prefixLength: 24, port: 8443, virtualRouterId: 51 });
  });

  it.each([
    ['an even member count', doc(...three, host('cp-4', '10.1.0.14', 'store')), /4 store members; use an odd count/],
    ['a duplicate host', doc(...three, host('cp-1', '10.1.0.14', 'node')), /cp-1 is listed twice/],
    ['a host on the VIP', doc(...three, host('w-1', '10.1.0.10', 'node')), /address 10\.1\.0\.10 is already the VIP/],
    ['haproxy on the API server port', doc(...three).replace('port: 8443', 'port: 6443'), /cp-1: haproxy and apiserver both listen on port 6443/],
    ['a missing role', doc(host('s-1', '10.1.0.11', 'store, apiserver, lb')), /no host runs scheduler/],
    ['an unknown role', doc(host('s-1', '10.1.0.11', 'store, etcd')), /"etcd" is not one of/],
    ['an unknown key', `${doc(...three)}\nvips: []`, /unknown key "vips"/],
    ['a host name that is not a DNS label', doc(...three, host('Worker_1', '10.1.0.21', 'node')), /not a DNS label/],
    ['an IPv6 address', doc(...three, host('w-1', 'fd00::1', 'node')), /not an IPv4 address/],
    ['a command with shell syntax', `${doc(...three)}\ninstall: { command: "/usr/bin/capstan; rm -rf /" }`, /install\.command/],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseTopology(text)).toThrow(TopologyError);
    expect(() => parseTopology(text)).toThrow(message);
  });
});
