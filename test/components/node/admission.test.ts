import { describe, expect, it } from 'vitest';
import type { Pod, PodPhase, ResourceList } from '../../../src/api/index.js';
import { admitPod, podRequests } from '../../../src/components/node/admission.js';

function pod(requests: ResourceList[], extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { metadata: { name: 'p', namespace: 'default' }, spec: { containers: requests.map((r, i) => ({ name: `c${i}`, resources: { requests: r } })), ...extra } };
}

const NODE: ResourceList = { cpu: '4', memory: '16Gi', pods: '3' };

describe('kubelet admission', () => {
  it('podRequests: the sum of containers, at least each init container, plus overhead', () => {
    const p = pod([{ cpu: '500m', memory: '1Gi' }, { cpu: '250m' }], {
      initContainers: [{ name: 'init', resources: { requests: { cpu: '2', memory: '512Mi' } } }],
      overhead: { cpu: '100m' },
    });
    expect(Object.fromEntries(podRequests(p))).toEqual({ cpu: 2100n, memory: 1073741824n });
  });

  it.each<[string, ResourceList[], ResourceList, { reason: string; message: string } | undefined]>([
    ['fits', [{ cpu: '1' }], { cpu: '1', memory: '1Gi' }, undefined],
    ['best effort fits', [{}], {}, undefined],
    ['exactly full fits', [{ cpu: '3' }], { cpu: '1' }, undefined],
    ['cpu', [{ cpu: '3500m' }], { cpu: '600m' }, { reason: 'OutOfcpu', message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 600, used: 3500, capacity: 4000" }],
    ['memory', [{ memory: '15Gi' }], { memory: '2Gi' }, { reason: 'OutOfmemory', message: "Pod was rejected: Node didn't have enough resource: memory, requested: 2147483648, used: 16106127360, capacity: 17179869184" }],
    ['pods', [{}, {}, {}], {}, { reason: 'OutOfpods', message: "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3" }],
    ['pods before cpu', [{ cpu: '4' }, {}, {}], { cpu: '1' }, { reason: 'OutOfpods', message: "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3" }],
    ['a resource the node lacks', [], { 'nvidia.com/gpu': '1' }, { reason: 'OutOfnvidia.com/gpu', message: "Pod was rejected: Node didn't have enough resource: nvidia.com/gpu, requested: 1, used: 0, capacity: 0" }],
  ])('%s', (_, admitted, wants, want) => {
    const admittedPods = admitted.map((r) => pod([r]));
    expect(admitPod(NODE, admittedPods, pod([wants]))).toEqual(want);
  });

  it.each<[PodPhase, boolean]>([
    ['Succeeded', true],
    ['Failed', true],
    ['Running', false],
    ['Pending', false],
  ])('a %s pod frees its cpu and its pod slot: %s', (phase, freed) => {
    // NODE holds 3 pods and 4 cpu: two running 1-cpu pods and one 2-cpu pod in this phase.
    const admitted = [pod([{ cpu: '1' }]), pod([{ cpu: '1' }]), { ...pod([{ cpu: '2' }]), status: { phase } }];
    const want = pod([{ cpu: '2' }]);
    const r = admitPod(NODE, admitted, want);
    if (freed) expect(r).toBeUndefined();
    else expect(r?.reason).toBe('OutOfpods');
    // Without the slot limit, cpu alone decides.
    const r2 = admitPod({ ...NODE, pods: '110' }, admitted, want);
    if (freed) expect(r2).toBeUndefined();
    else expect(r2).toEqual({ reason: 'OutOfcpu', message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 4000, capacity: 4000" });
  });
});
