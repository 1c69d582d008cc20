import { describe, expect, it } from 'vitest';
import { defaultPodCIDRBase } from '../../../src/components/node/config.js';
import { CIDRParseError, cidrContains, nodeInternalIP, nodePodCIDR, parseCIDR, PodIPAllocator } from '../../../src/components/node/pod-cidr.js';

describe('pod CIDRs and addresses', () => {
  it.each([
    ['10.244.0.0/16', 0, '10.244.0.0/24'],
    ['10.244.0.0/16', 1, '10.244.1.0/24'],
    ['10.244.0.0/16', 255, '10.244.255.0/24'],
    ['10.244.0.0/14', 300, '10.245.44.0/24'],
    ['192.168.0.0/24', 0, '192.168.0.0/24'],
  ])('%s: node %i gets %s', (base, index, want) => {
    expect(nodePodCIDR(parseCIDR(base), index).text).toBe(want);
  });

  it.each(['10.244.0.0', '10.244.0.0/33', '10.244.0.1/16', '300.1.1.1/8', '10.244.0.0/16/2', 'x/8'])('rejects %s', (text) => {
    expect(() => parseCIDR(text)).toThrow(CIDRParseError);
  });

  it('node InternalIPs come from 172.16.0.0/12, one per index', () => {
    expect([0, 1, 255, 1000].map(nodeInternalIP)).toEqual(['172.16.0.1', '172.16.0.2', '172.16.1.0', '172.16.3.233']);
  });

  it('the default range widens when a /16 holds too few /24s', () => {
    expect(defaultPodCIDRBase(3).text).toBe('10.244.0.0/16');
    expect(defaultPodCIDRBase(256).text).toBe('10.244.0.0/16');
    expect(defaultPodCIDRBase(257).text).toBe('10.244.0.0/14');
    expect(defaultPodCIDRBase(1024).text).toBe('10.244.0.0/14');
    expect(defaultPodCIDRBase(1025).text).toBe('10.240.0.0/12');
    expect(defaultPodCIDRBase(5000).text).toBe('10.192.0.0/10');
  });

  it('cidrContains', () => {
    const r = parseCIDR('10.244.1.0/24');
    expect(cidrContains(r, '10.244.1.77')).toBe(true);
    expect(cidrContains(r, '10.244.2.1')).toBe(false);
    expect(cidrContains(r, 'nope')).toBe(false);
  });

  it('allocates from .2, one address per owner, continuing after the last one handed out', () => {
    const a = new PodIPAllocator(parseCIDR('10.244.1.0/24'));
    expect(a.size).toBe(253);
    expect(a.allocate('a')).toBe('10.244.1.2');
    expect(a.allocate('b')).toBe('10.244.1.3');
    expect(a.allocate('a')).toBe('10.244.1.2');
    a.release('a');
    expect(a.allocate('c')).toBe('10.244.1.4');
    expect(a.inUse()).toBe(2);
  });

  it('wraps around, reuses freed addresses and reports a full range', () => {
    const a = new PodIPAllocator(parseCIDR('10.0.0.0/29'));
    expect(a.size).toBe(5);
    const ips = ['p0', 'p1', 'p2', 'p3', 'p4'].map((o) => a.allocate(o));
    expect(ips).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(a.allocate('p5')).toBeUndefined();
    a.release('p1');
    expect(a.allocate('p5')).toBe('10.0.0.3');
  });

  it('reserve adopts an address found in a pod status, unless another owner holds it or it is out of range', () => {
    const a = new PodIPAllocator(parseCIDR('10.244.1.0/24'));
    expect(a.reserve('a', '10.244.1.9')).toBe(true);
    expect(a.reserve('a', '10.244.1.9')).toBe(true);
    expect(a.reserve('b', '10.244.1.9')).toBe(false);
    expect(a.reserve('b', '10.244.2.9')).toBe(false);
    expect(a.reserve('b', '10.244.1.1')).toBe(false);
    expect(a.allocate('a')).toBe('10.244.1.9');
  });
});
