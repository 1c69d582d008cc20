/** The hollow kubelet's Events, as the kubelet words them. */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/index.js';
import { containersStartedEvents, containersStoppingEvents, nodeEvents, rejectedEvents } from '../../../src/components/node/kubelet-events.js';

const pod: Pod = { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'sidecar', image: 'envoy:1.30' }] } };

describe('kubelet events', () => {
  it('a fresh node reports its start and each condition; a restarted one only its start; a re-registered one only its conditions', () => {
    expect(nodeEvents('n1', { starting: true, created: true }).map((e) => e.reason)).toEqual(['Starting', 'NodeAllocatableEnforced', 'NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady']);
    expect(nodeEvents('n1', { starting: true, created: true })[5]).toEqual({ type: 'Normal', reason: 'NodeReady', message: 'Node n1 status is now: NodeReady' });
    expect(nodeEvents('n1', { starting: true, created: false }).map((e) => e.reason)).toEqual(['Starting', 'NodeAllocatableEnforced']);
    expect(nodeEvents('n1', { starting: false, created: true }).map((e) => e.reason)).toEqual(['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady']);
  });

  it('each container is pulled, created and started, then stopped, on its own field path', () => {
    expect(containersStartedEvents(pod).map((e) => [e.reason, e.message, e.fieldPath])).toEqual([
      ['Pulled', 'Container image "nginx:1.27" already present on machine', 'spec.containers{app}'],
      ['Created', 'Created container app', 'spec.containers{app}'],
      ['Started', 'Started container app', 'spec.containers{app}'],
      ['Pulled', 'Container image "envoy:1.30" already present on machine', 'spec.containers{sidecar}'],
      ['Created', 'Created container sidecar', 'spec.containers{sidecar}'],
      ['Started', 'Started container sidecar', 'spec.containers{sidecar}'],
    ]);
    expect(containersStoppingEvents(pod).map((e) => [e.reason, e.message, e.fieldPath])).toEqual([
      ['Killing', 'Stopping container app', 'spec.containers{app}'],
      ['Killing', 'Stopping container sidecar', 'spec.containers{sidecar}'],
    ]);
  });

  it('a rejected pod gets a warning with the rejection\'s reason and message', () => {
    expect(rejectedEvents({ reason: 'OutOfcpu', message: 'Pod was rejected: …' })).toEqual([{ type: 'Warning', reason: 'OutOfcpu', message: 'Pod was rejected: …' }]);
  });
});
