/** The hollow kubelet's Events, as the kubelet words them. */
import { describe, expect, it } from 'vitest';
import type { Pod, PodStatus } from '../../../src/api/index.js';
import { containerStatusEvents, containersStartedEvents, containersStoppingEvents, nodeEvents, rejectedEvents } from '../../../src/components/node/kubelet-events.js';
import { pendingStatus, startedStatus, type PodRuntime } from '../../../src/components/node/pod-status.js';

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

  it('from status to status: a new container ID is a start, a new CrashLoopBackOff a BackOff warning', () => {
    const p: Pod = { ...pod, metadata: { ...pod.metadata, uid: 'u1' }, spec: { containers: [pod.spec!.containers[0]!] } };
    const rt: PodRuntime = { uid: 'u1', node: 'n1', admittedAt: 0, podIP: '10.244.1.2', hostIP: '172.16.0.2' };
    const exit = (attempt: number) => ({ attempt, startedAt: 1_000, finishedAt: 4_000, exitCode: 1 });
    const pending = pendingStatus(p, rt);
    const running0 = startedStatus(p, rt, { kind: 'running', restartCount: 0, startedAt: 1_000 });
    const running1 = startedStatus(p, rt, { kind: 'running', restartCount: 1, startedAt: 4_000, previous: exit(0) });
    const backOff1 = startedStatus(p, rt, { kind: 'backOff', restartCount: 1, exit: exit(1), backOffMs: 10_000, restartsAt: 17_000 });
    const exited0 = startedStatus(p, rt, { kind: 'exited', restartCount: 0, exit: exit(0) });
    const reasons = (before: PodStatus | undefined, after: PodStatus): string[] => containerStatusEvents(p, before, after).map((e) => `${e.type}/${e.reason}`);
    expect(reasons(pending, running0)).toEqual(['Normal/Pulled', 'Normal/Created', 'Normal/Started']);
    expect(reasons(running0, running0)).toEqual([]);
    expect(reasons(running0, running1)).toEqual(['Normal/Pulled', 'Normal/Created', 'Normal/Started']);
    expect(reasons(running1, backOff1)).toEqual(['Warning/BackOff']);
    expect(reasons(backOff1, backOff1)).toEqual([]);
    expect(reasons(running0, exited0)).toEqual([]);
    // A run too short to be seen running still started.
    expect(reasons(pending, exited0)).toEqual(['Normal/Pulled', 'Normal/Created', 'Normal/Started']);
    expect(containerStatusEvents(p, running1, backOff1)).toEqual([{ type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container app in pod web_default(u1)', fieldPath: 'spec.containers{app}' }]);
  });
});
