import { describe, expect, it } from 'vitest';
import type { EndpointSubset, Endpoints } from '../../../src/api/core-v1.js';
import { endpointsTableConvertor, formatEndpoints } from '../../../src/apiserver/tables/printer-endpoints.js';
import { MINUTE, NOW, ago } from './fixtures.js';

function ep(subsets?: EndpointSubset[]): Endpoints {
  return { metadata: { name: 'svc', creationTimestamp: ago(5 * MINUTE) }, ...(subsets ? { subsets } : {}) };
}
const addrs = (...ips: string[]) => ips.map((ip) => ({ ip }));

describe('endpoints printer', () => {
  it.each<[string, Endpoints, string]>([
    ['no subsets', ep(), '<none>'],
    ['one address, one port', ep([{ addresses: addrs('10.1.0.1'), ports: [{ port: 8080 }] }]), '10.1.0.1:8080'],
    ['headless without ports lists bare IPs', ep([{ addresses: addrs('10.1.0.1', '10.1.0.2') }]), '10.1.0.1,10.1.0.2'],
    ['IPv6 addresses are bracketed', ep([{ addresses: addrs('fd00::1'), ports: [{ port: 80 }] }]), '[fd00::1]:80'],
    [
      'three shown, the rest counted per port',
      ep([{ addresses: addrs('1.2.3.4', '5.6.7.8'), ports: [{ port: 8001 }, { port: 8002 }] }]),
      '1.2.3.4:8001,5.6.7.8:8001,1.2.3.4:8002 + 1 more...',
    ],
    [
      'counts across subsets',
      ep([
        { addresses: addrs('10.0.0.1', '10.0.0.2', '10.0.0.3'), ports: [{ port: 80 }] },
        { addresses: addrs('10.0.0.4', '10.0.0.5'), ports: [{ port: 80 }] },
      ]),
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...',
    ],
    ['not-ready addresses are not listed', ep([{ notReadyAddresses: addrs('10.0.0.9'), ports: [{ port: 80 }] }]), ''],
  ])('%s', (_, e, want) => {
    expect(formatEndpoints(e)).toBe(want);
    expect(endpointsTableConvertor.row(e, NOW).cells).toEqual(['svc', want, '5m']);
  });

  it('defines NAME ENDPOINTS AGE', () => {
    expect(endpointsTableConvertor.columns.map((c) => c.name)).toEqual(['Name', 'Endpoints', 'Age']);
  });
});
