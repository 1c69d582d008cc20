import { describe, expect, it } from 'vitest';
import { resolveNodeFlags } from '../../src/cli/node.js';
import { runCli } from '../../src/cli/program.js';
import { NodeAgentConfigError, parseCapacity, parseNodeLabels } from '../../src/components/node/config.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { version: '0.0.0', stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

describe('capstan node flags', () => {
  it('defaults: one node, kubelet timings, 4 CPUs / 16Gi / 110 pods, 10.244.0.0/16', () => {
    const c = resolveNodeFlags({});
    expect(c).toMatchObject({
      count: 1,
      namePrefix: 'hollow-node-',
      labels: {},
      capacity: { cpu: '4', memory: '16Gi', pods: '110' },
      podStartDelayMs: 1_000,
      podRunDurationMs: 5_000,
      leaseDurationSeconds: 40,
      statusUpdateFrequencyMs: 10_000,
      statusReportFrequencyMs: 300_000,
      concurrency: 16,
    });
    expect(c.podCIDRBase.text).toBe('10.244.0.0/16');
    expect(resolveNodeFlags({ count: '1000' }).podCIDRBase.text).toBe('10.244.0.0/14');
  });

  it('reads every flag', () => {
    const c = resolveNodeFlags({
      count: '5',
      nodeNamePrefix: 'kubemark-',
      nodeLabels: 'topology.kubernetes.io/zone=zone-a,tier=gold',
      capacity: 'cpu=8,pods=50',
      podStartDelay: '0s',
      podRunDuration: '1m30s',
      nodeLeaseDuration: '20s',
      nodeStatusUpdateFrequency: '2s',
      nodeStatusReportFrequency: '1m',
      podCidrBase: '10.0.0.0/8',
      concurrency: '4',
    });
    expect(c).toMatchObject({
      count: 5,
      namePrefix: 'kubemark-',
      labels: { 'topology.kubernetes.io/zone': 'zone-a', tier: 'gold' },
      capacity: { cpu: '8', memory: '16Gi', pods: '50' },
      podStartDelayMs: 0,
      podRunDurationMs: 90_000,
      leaseDurationSeconds: 20,
      statusUpdateFrequencyMs: 2_000,
      statusReportFrequencyMs: 60_000,
      concurrency: 4,
    });
    expect(c.podCIDRBase.text).toBe('10.0.0.0/8');
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ count: '0' }, /--count: 0/],
    [{ count: 'x' }, /--count/],
    [{ capacity: 'cpu=lots' }, /--capacity: cpu=lots/],
    [{ capacity: 'pods=1.5' }, /pods=1.5 is not a whole number/],
    [{ capacity: 'memory' }, /not key=value/],
    [{ nodeLabels: 'bad key=v' }, /--node-labels/],
    [{ podCidrBase: '10.244.0.1/16' }, /host bits/],
    [{ podCidrBase: '10.244.0.0/25' }, /narrower/],
    [{ podCidrBase: '10.244.0.0/23', count: '3' }, /holds 2 node ranges/],
    [{ nodeLeaseDuration: '1500ms' }, /whole number of seconds/],
    [{ nodeStatusUpdateFrequency: '1m', nodeStatusReportFrequency: '10s' }, /must not be shorter/],
    [{ nodeNamePrefix: 'Hollow_' }, /not a valid node name/],
    [{ podStartDelay: 'soon' }, /--pod-start-delay/],
    [{ podRunDuration: '-5s' }, /--pod-run-duration/],
  ])('refuses %j', (raw, message) => {
    expect(() => resolveNodeFlags(raw)).toThrow(NodeAgentConfigError);
    expect(() => resolveNodeFlags(raw)).toThrow(message);
  });

  it('parseCapacity and parseNodeLabels', () => {
    expect(parseCapacity('')).toEqual({ cpu: '4', memory: '16Gi', pods: '110' });
    expect(parseCapacity('nvidia.com/gpu=2')).toEqual({ cpu: '4', memory: '16Gi', pods: '110', 'nvidia.com/gpu': '2' });
    expect(parseNodeLabels('a=1, b=2')).toEqual({ a: '1', b: '2' });
  });

  it('a bad flag exits 2 before connecting anywhere', async () => {
    const r = await run('node', '--master', 'http://127.0.0.1:1', '--count', '-3');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^capstan node: --count/);
    const noServer = await run('node');
    expect(noServer.code).toBe(2);
    expect(noServer.err).toMatch(/--kubeconfig/);
  });
});
