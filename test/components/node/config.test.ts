/** The node agents' configuration as validateNodeAgentConfig checks it, whoever built it. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_CONFIG, NodeAgentConfigError, validateNodeAgentConfig, type NodeAgentConfig } from '../../../src/components/node/config.js';
import { parseCIDR } from '../../../src/components/node/pod-cidr.js';

const CONFIG: NodeAgentConfig = { ...DEFAULT_NODE_CONFIG, labels: {}, podCIDRBase: parseCIDR(DEFAULT_NODE_CONFIG.podCIDRBase) };

describe('validateNodeAgentConfig', () => {
  it('takes the defaults: pods of restartPolicy Never or OnFailure run 5 s', () => {
    expect(validateNodeAgentConfig(CONFIG).podRunDurationMs).toBe(5_000);
    expect(validateNodeAgentConfig({ ...CONFIG, podRunDurationMs: 0 }).podRunDurationMs).toBe(0);
  });

  it.each<[Partial<NodeAgentConfig>, RegExp]>([
    [{ podRunDurationMs: -1 }, /--pod-run-duration/],
    [{ podRunDurationMs: Number.NaN }, /--pod-run-duration/],
    [{ podStartDelayMs: -1 }, /--pod-start-delay/],
    [{ podStopDelayMs: Infinity }, /--pod-stop-delay/],
  ])('refuses %j', (change, message) => {
    expect(() => validateNodeAgentConfig({ ...CONFIG, ...change })).toThrow(NodeAgentConfigError);
    expect(() => validateNodeAgentConfig({ ...CONFIG, ...change })).toThrow(message);
  });
});
