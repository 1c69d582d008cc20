import { describe, expect, it } from 'vitest';
import type { Protocol, Service, ServiceSpec, ServiceStatus } from '../../../src/api/core-v1.js';
import { serviceTableConvertor } from '../../../src/apiserver/tables/printer-service.js';
import { NOW } from './fixtures.js';

const tcp = 'tcp' as Protocol; // printers_test.go uses the lower-case protocol to show it is printed verbatim

function svc(name: string, spec: ServiceSpec, status?: ServiceStatus): Service {
  return { metadata: { name }, spec, ...(status ? { status } : {}) };
}

// Cases and expected cells from TestPrintService in Kubernetes' printers_test.go; the last cell is the wide
// SELECTOR, which kube-apiserver always prints.
describe('service printer', () => {
  it.each<[string, Service, unknown[]]>([
    [
      'cluster IP, port with protocol, selector',
      svc('test1', { type: 'ClusterIP', ports: [{ protocol: tcp, port: 2233 }], clusterIP: '10.9.8.7', selector: { foo: 'bar' } }),
      ['test1', 'ClusterIP', '10.9.8.7', '<none>', '2233/tcp', '<unknown>', 'foo=bar'],
    ],
    [
      'NodePort',
      svc('test2', { type: 'NodePort', ports: [{ protocol: tcp, port: 8888, nodePort: 9999 }], clusterIP: '10.9.8.7' }),
      ['test2', 'NodePort', '10.9.8.7', '<none>', '8888:9999/tcp', '<unknown>', '<none>'],
    ],
    [
      'LoadBalancer pending',
      svc('test3', { type: 'LoadBalancer', ports: [{ protocol: tcp, port: 8888 }], clusterIP: '10.9.8.7' }),
      ['test3', 'LoadBalancer', '10.9.8.7', '<pending>', '8888/tcp', '<unknown>', '<none>'],
    ],
    [
      'LoadBalancer with an external IP and no status',
      svc('test4', { type: 'LoadBalancer', ports: [{ protocol: tcp, port: 8888 }], clusterIP: '10.9.8.7', externalIPs: ['80.11.12.10'] }),
      ['test4', 'LoadBalancer', '10.9.8.7', '80.11.12.10', '8888/tcp', '<unknown>', '<none>'],
    ],
    [
      'LoadBalancer with an external IP and an ingress',
      svc(
        'test5',
        { type: 'LoadBalancer', ports: [{ protocol: tcp, port: 8888 }], clusterIP: '10.9.8.7', externalIPs: ['80.11.12.10'] },
        { loadBalancer: { ingress: [{ ip: '3.4.5.6', hostname: 'test.cluster.com' }] } },
      ),
      ['test5', 'LoadBalancer', '10.9.8.7', '3.4.5.6,80.11.12.10', '8888/tcp', '<unknown>', '<none>'],
    ],
    [
      'LoadBalancer with external IPs and ingresses',
      svc(
        'test6',
        { type: 'LoadBalancer', ports: [{ protocol: tcp, port: 8888 }], clusterIP: '10.9.8.7', externalIPs: ['80.11.12.10', '80.11.12.11'] },
        { loadBalancer: { ingress: [{ ip: '2.3.4.5', hostname: 'test.cluster.local' }, { ip: '3.4.5.6', hostname: 'test.cluster.com' }] } },
      ),
      ['test6', 'LoadBalancer', '10.9.8.7', '2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11', '8888/tcp', '<unknown>', '<none>'],
    ],
    [
      'ExternalName',
      svc('test7', { type: 'ExternalName', externalName: 'my.database.example.com' }),
      ['test7', 'ExternalName', '<none>', 'my.database.example.com', '<none>', '<unknown>', '<none>'],
    ],
    [
      'wide load balancer status is not clipped',
      svc('test8', { type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP' }], clusterIP: '10.0.0.1' }, { loadBalancer: { ingress: [{ hostname: 'a-very-long-load-balancer.example.com' }] } }),
      ['test8', 'LoadBalancer', '10.0.0.1', 'a-very-long-load-balancer.example.com', '443/TCP', '<unknown>', '<none>'],
    ],
    [
      'clusterIPs only, protocol defaulted, two selector labels sorted',
      svc('kubernetes', { type: 'ClusterIP', clusterIPs: ['10.96.0.1'], ports: [{ port: 443 }, { port: 53, protocol: 'UDP' }], selector: { tier: 'db', app: 'pg' } }),
      ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP,53/UDP', '<unknown>', 'app=pg,tier=db'],
    ],
  ])('%s', (_, s, want) => {
    expect(serviceTableConvertor.row(s, NOW).cells).toEqual(want);
  });

  it('defines NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE and wide SELECTOR', () => {
    expect(serviceTableConvertor.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1',
    ]);
  });
});
