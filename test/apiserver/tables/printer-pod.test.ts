import { describe, expect, it } from 'vitest';
import type { Container, ContainerStatus, Pod, PodCondition, PodPhase, PodSpec, PodStatus } from '../../../src/api/core-v1.js';
import { POD_FAILED_CONDITIONS, POD_SUCCEEDED_CONDITIONS, podTableConvertor } from '../../../src/apiserver/tables/printer-pod.js';
import { DAY, MINUTE, NOW, SECOND, ago } from './fixtures.js';

function containers(n: number): Container[] {
  return Array.from({ length: n }, () => ({ name: '' }));
}

function cs(s: Partial<ContainerStatus>): ContainerStatus {
  return { name: '', ready: false, restartCount: 0, image: '', imageID: '', ...s };
}

const phase = (p: string) => p as PodPhase;
const running = { running: {} };
const waiting = (reason?: string) => ({ waiting: reason === undefined ? {} : { reason } });
const finished = (d: number) => ({ terminated: { exitCode: 0, finishedAt: ago(d) } });

function pod(name: string, spec: Partial<PodSpec>, status: PodStatus, deletionTimestamp?: string): Pod {
  return {
    metadata: { name, ...(deletionTimestamp !== undefined ? { deletionTimestamp } : {}) },
    spec: { containers: [], ...spec },
    status,
  };
}

const deleted = ago(10 * SECOND);
const readyCondition: PodCondition[] = [{ type: 'Ready', status: 'True' }];
const initialized = (s: 'True' | 'False'): PodCondition[] => [{ type: 'Initialized', status: s }];
/** sidecar is an init container with restartPolicy Always, a field capstan's Container type leaves out. */
const sidecar = (name: string, image?: string) => ({ name, ...(image ? { image } : {}), restartPolicy: 'Always' }) as Container;
const sidecars = [sidecar('restartable-init-1'), sidecar('restartable-init-2')];

// Cases and expected cells from TestPrintPod and TestPrintPodWithRestartableInitContainer in Kubernetes'
// pkg/printers/internalversion/printers_test.go (time.Now().Add(-d) is ago(d) here).
const cases: [string, Pod, unknown[]][] = [
  [
    'containers, restarts, ready status',
    pod('test1', { containers: containers(2) }, { phase: phase('podPhase'), containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ restartCount: 3 })] }),
    ['test1', '1/2', 'podPhase', '6', '<unknown>'],
  ],
  [
    'container waiting reason overwrites the phase',
    pod('test2', { containers: containers(2) }, {
      phase: phase('podPhase'),
      containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ state: waiting('ContainerWaitingReason'), restartCount: 3 })],
    }),
    ['test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>'],
  ],
  [
    'the first container overwrites the rest',
    pod('test3', { containers: containers(2) }, {
      phase: phase('podPhase'),
      containerStatuses: [
        cs({ state: waiting('ContainerWaitingReason'), restartCount: 3 }),
        cs({ state: { terminated: { exitCode: 0, reason: 'ContainerTerminatedReason' } }, restartCount: 3 }),
      ],
    }),
    ['test3', '0/2', 'ContainerWaitingReason', '6', '<unknown>'],
  ],
  [
    'ready is not enough for running',
    pod('test4', { containers: containers(2) }, { phase: phase('podPhase'), containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ ready: true, restartCount: 3 })] }),
    ['test4', '1/2', 'podPhase', '6', '<unknown>'],
  ],
  [
    'pod reason overwrites the phase',
    pod('test5', { containers: containers(2) }, {
      reason: 'podReason',
      phase: phase('podPhase'),
      containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ ready: true, restartCount: 3 })],
    }),
    ['test5', '1/2', 'podReason', '6', '<unknown>'],
  ],
  [
    'one container completed, one running, no Ready condition',
    pod('test6', { containers: containers(2) }, {
      phase: 'Running',
      containerStatuses: [cs({ ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } }), cs({ ready: true, restartCount: 3, state: running })],
    }),
    ['test6', '1/2', 'NotReady', '6', '<unknown>'],
  ],
  [
    'one container completed, one running, Ready condition',
    pod('test6', { containers: containers(2) }, {
      phase: 'Running',
      containerStatuses: [cs({ ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } }), cs({ ready: true, restartCount: 3, state: running })],
      conditions: readyCondition,
    }),
    ['test6', '1/2', 'Running', '6', '<unknown>'],
  ],
  [
    'init container restarting, container not running',
    pod('test7', { initContainers: containers(1), containers: containers(1) }, {
      phase: phase('podPhase'),
      initContainerStatuses: [cs({ restartCount: 3, state: running, lastState: finished(10 * SECOND) })],
      containerStatuses: [cs({ state: waiting() })],
    }),
    ['test7', '0/1', 'Init:0/1', '3 (10s ago)', '<unknown>'],
  ],
  [
    'two init containers, one restarting, one not running',
    pod('test8', { initContainers: containers(2), containers: containers(1) }, {
      phase: phase('podPhase'),
      initContainerStatuses: [cs({ restartCount: 3, state: running, lastState: finished(10 * SECOND) }), cs({ state: waiting() })],
      containerStatuses: [cs({ state: waiting() })],
    }),
    ['test8', '0/1', 'Init:0/2', '3 (10s ago)', '<unknown>'],
  ],
  [
    'two init containers, one completed without restarts, one restarting',
    pod('test9', { initContainers: containers(2), containers: containers(1) }, {
      phase: phase('podPhase'),
      initContainerStatuses: [cs({ state: { terminated: { exitCode: 0 } } }), cs({ restartCount: 3, state: running, lastState: finished(10 * SECOND) })],
      containerStatuses: [cs({ state: waiting() })],
    }),
    ['test9', '0/1', 'Init:1/2', '3 (10s ago)', '<unknown>'],
  ],
  [
    'two init containers, one completed with restarts, one restarting',
    pod('test10', { initContainers: containers(2), containers: containers(1) }, {
      phase: phase('podPhase'),
      initContainerStatuses: [
        cs({ restartCount: 2, state: { terminated: { exitCode: 0 } }, lastState: finished(2 * MINUTE) }),
        cs({ restartCount: 3, state: running, lastState: finished(10 * SECOND) }),
      ],
      containerStatuses: [cs({ state: waiting() })],
    }),
    ['test10', '0/1', 'Init:1/2', '5 (10s ago)', '<unknown>'],
  ],
  [
    'init container completed with restarts, container restarting',
    pod('test11', { initContainers: containers(1), containers: containers(1) }, {
      phase: 'Running',
      initContainerStatuses: [cs({ restartCount: 2, state: { terminated: { exitCode: 0 } }, lastState: finished(2 * MINUTE) })],
      containerStatuses: [cs({ restartCount: 4, state: running, lastState: finished(20 * SECOND) })],
    }),
    ['test11', '0/1', 'Running', '4 (20s ago)', '<unknown>'],
  ],
  [
    'container restarted 5d ago',
    pod('test12', { containers: containers(1) }, { phase: 'Running', containerStatuses: [cs({ ready: true, restartCount: 3, state: running, lastState: finished(5 * DAY) })] }),
    ['test12', '1/1', 'Running', '3 (5d ago)', '<unknown>'],
  ],
  [
    'one container never restarted, one restarted 10d ago',
    pod('test13', { containers: containers(2) }, {
      phase: 'Running',
      containerStatuses: [cs({ ready: true, state: running }), cs({ ready: true, restartCount: 3, state: running, lastState: finished(10 * DAY) })],
    }),
    ['test13', '2/2', 'Running', '3 (10d ago)', '<unknown>'],
  ],
  [
    'restarts add up, the latest restart wins',
    pod('test14', { containers: containers(2) }, {
      phase: 'Running',
      containerStatuses: [
        cs({ ready: true, restartCount: 6, state: running, lastState: finished(5 * DAY) }),
        cs({ ready: true, restartCount: 3, state: running, lastState: finished(20 * DAY) }),
      ],
    }),
    ['test14', '2/2', 'Running', '9 (5d ago)', '<unknown>'],
  ],
  [
    'PodScheduled with reason SchedulingGated',
    pod('test15', { containers: containers(2) }, { phase: phase('podPhase'), conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
    ['test15', '0/2', 'SchedulingGated', '0', '<unknown>'],
  ],
  [
    'succeeded',
    pod('test16', { containers: containers(1) }, { phase: 'Succeeded', containerStatuses: [cs({ state: { terminated: { reason: 'Completed', exitCode: 0 } } })] }),
    ['test16', '0/1', 'Completed', '0', '<unknown>'],
  ],
  [
    'failed',
    pod('test17', { containers: containers(1) }, { phase: 'Failed', containerStatuses: [cs({ state: { terminated: { reason: 'Error', exitCode: 1 } } })] }),
    ['test17', '0/1', 'Error', '0', '<unknown>'],
  ],
  [
    'succeeded while being deleted stays Completed',
    pod('test18', { containers: containers(1) }, { phase: 'Succeeded', containerStatuses: [cs({ state: { terminated: { reason: 'Completed', exitCode: 0 } } })] }, deleted),
    ['test18', '0/1', 'Completed', '0', '<unknown>'],
  ],
  [
    'running while being deleted is Terminating',
    pod('test19', { containers: containers(1) }, { phase: 'Running', containerStatuses: [cs({ state: running })] }, deleted),
    ['test19', '0/1', 'Terminating', '0', '<unknown>'],
  ],
  ['pending while being deleted is Terminating', pod('test20', { containers: containers(1) }, { phase: 'Pending' }, deleted), ['test20', '0/1', 'Terminating', '0', '<unknown>']],
  [
    'sidecars: the first running but not started',
    pod('test1', { initContainers: sidecars, containers: containers(1) }, {
      phase: 'Pending',
      initContainerStatuses: [
        cs({ name: 'restartable-init-1', restartCount: 3, state: running, started: false, lastState: finished(10 * SECOND) }),
        cs({ name: 'restartable-init-2', state: waiting(), started: false }),
      ],
      containerStatuses: [cs({ state: waiting() })],
      conditions: initialized('False'),
    }),
    ['test1', '0/3', 'Init:0/2', '3 (10s ago)', '<unknown>'],
  ],
  [
    'sidecars: the first started, the second running but not started',
    pod('test1', { initContainers: sidecars, containers: containers(1) }, {
      phase: 'Pending',
      initContainerStatuses: [
        cs({ name: 'restartable-init-1', restartCount: 3, state: running, started: true, lastState: finished(10 * SECOND) }),
        cs({ name: 'restartable-init-2', state: running, started: false }),
      ],
      containerStatuses: [cs({ state: waiting() })],
      conditions: initialized('False'),
    }),
    ['test1', '0/3', 'Init:1/2', '3 (10s ago)', '<unknown>'],
  ],
  [
    'sidecars started, container running',
    pod('test2', { initContainers: sidecars, containers: containers(1) }, {
      phase: 'Running',
      initContainerStatuses: [
        cs({ name: 'restartable-init-1', restartCount: 3, state: running, started: true, lastState: finished(10 * SECOND) }),
        cs({ name: 'restartable-init-2', state: running, started: true }),
      ],
      containerStatuses: [cs({ ready: true, restartCount: 4, state: running, lastState: finished(20 * SECOND) })],
      conditions: initialized('True'),
    }),
    ['test2', '1/3', 'Running', '7 (10s ago)', '<unknown>'],
  ],
  [
    'sidecars failed, container completed',
    pod('test3', { initContainers: sidecars, containers: containers(1) }, {
      phase: 'Succeeded',
      initContainerStatuses: [
        cs({ name: 'restartable-init-1', restartCount: 3, state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false, lastState: finished(10 * SECOND) }),
        cs({ name: 'restartable-init-2', state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false }),
      ],
      containerStatuses: [cs({ restartCount: 4, state: { terminated: { reason: 'Completed', exitCode: 0 } }, lastState: finished(20 * SECOND) })],
      conditions: initialized('True'),
    }),
    ['test3', '0/3', 'Completed', '7 (10s ago)', '<unknown>'],
  ],
  [
    'statuses of containers that do not exist',
    pod('test4', {
      initContainers: [{ name: 'init1', image: 'initimage' }, sidecar('sidecar1', 'sidecarimage')],
      containers: [{ name: 'container1', image: 'containerimage' }],
    }, {
      phase: 'Running',
      initContainerStatuses: [cs({ name: 'initinvalid' }), cs({ name: 'init1' }), cs({ name: 'sidecar1' })],
      containerStatuses: [cs({ name: 'containerinvalid' }), cs({ name: 'container1' })],
    }),
    ['test4', '0/2', 'Init:0/2', '0', '<unknown>'],
  ],
];

describe('pod printer', () => {
  it.each(cases)('%s', (_, p, want) => {
    expect(podTableConvertor.row(p, NOW).cells.slice(0, 5)).toEqual(want);
  });

  it('marks finished pods Completed (TestPrintPodConditions)', () => {
    const st = (ph: PodPhase): PodStatus => ({ phase: ph, containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ restartCount: 3 })] });
    expect(podTableConvertor.row(pod('test1', { containers: containers(2) }, st('Running')), NOW)).toEqual({
      cells: ['test1', '1/2', 'Running', '6', '<unknown>', '<none>', '<none>', '<none>', '<none>'],
    });
    const succeeded = podTableConvertor.row(pod('test1', { containers: containers(2) }, st('Succeeded')), NOW);
    expect(succeeded.cells.slice(0, 5)).toEqual(['test1', '1/2', 'Succeeded', '6', '<unknown>']);
    expect(succeeded.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    const failed = podTableConvertor.row(pod('test2', { containers: containers(2) }, st('Failed')), NOW);
    expect(failed.cells.slice(0, 5)).toEqual(['test2', '1/2', 'Failed', '6', '<unknown>']);
    expect(failed.conditions).toEqual([...POD_FAILED_CONDITIONS]);
    expect(POD_SUCCEEDED_CONDITIONS[0]!.reason).toBe('Succeeded');
  });

  it('prints the wide columns (TestPrintPodwide)', () => {
    const gates = { readinessGates: [{ conditionType: 'condition1' }, { conditionType: 'condition2' }, { conditionType: 'condition3' }] } as Partial<PodSpec>;
    const withGates: PodStatus = {
      conditions: [
        { type: 'condition1', status: 'False' },
        { type: 'condition2', status: 'True' },
      ],
      phase: phase('podPhase'),
      podIPs: [{ ip: '1.1.1.1' }, { ip: '2001:db8::' }],
      containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ restartCount: 3 })],
      nominatedNodeName: 'node1',
    };
    expect(podTableConvertor.row(pod('test1', { containers: containers(2), nodeName: 'test1', ...gates }, withGates), NOW).cells).toEqual([
      'test1', '1/2', 'podPhase', '6', '<unknown>', '1.1.1.1', 'test1', 'node1', '1/3',
    ]);
    const bare: PodStatus = {
      phase: phase('podPhase'),
      containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ state: waiting('ContainerWaitingReason'), restartCount: 3 })],
    };
    expect(podTableConvertor.row(pod('test2', { containers: containers(2), nodeName: '' }, bare), NOW).cells).toEqual([
      'test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>', '<none>', '<none>', '<none>', '<none>',
    ]);
  });

  it('reads status.podIP before podIPs, as the v1 → internal conversion does', () => {
    const p = pod('p', { containers: containers(1) }, { phase: 'Running', podIP: '10.0.0.7', podIPs: [{ ip: '10.0.0.8' }] });
    expect(podTableConvertor.row(p, NOW).cells[5]).toBe('10.0.0.7');
  });

  it('prints init container failures and signals', () => {
    const init = (state: ContainerStatus['state']) =>
      podTableConvertor.row(pod('p', { initContainers: containers(1), containers: containers(1) }, { phase: 'Pending', initContainerStatuses: [cs({ state })] }), NOW).cells[2];
    expect(init({ terminated: { exitCode: 1 } })).toBe('Init:ExitCode:1');
    expect(init({ terminated: { exitCode: 137, signal: 9 } })).toBe('Init:Signal:9');
    expect(init({ terminated: { exitCode: 1, reason: 'Error' } })).toBe('Init:Error');
    expect(init({ waiting: { reason: 'CrashLoopBackOff' } })).toBe('Init:CrashLoopBackOff');
    expect(init({ waiting: { reason: 'PodInitializing' } })).toBe('Init:0/1');
    const main = (state: ContainerStatus['state']) =>
      podTableConvertor.row(pod('p', { containers: containers(1) }, { phase: 'Running', containerStatuses: [cs({ state })] }), NOW).cells[2];
    expect(main({ terminated: { exitCode: 2 } })).toBe('ExitCode:2');
    expect(main({ terminated: { exitCode: 143, signal: 15 } })).toBe('Signal:15');
  });

  it('prints Unknown for a pod of a lost node being deleted, and the age', () => {
    const p = pod('lost', { containers: containers(1) }, { phase: 'Running', reason: 'NodeLost' }, deleted);
    p.metadata.creationTimestamp = ago(3 * DAY + 4 * 3600 * 1000);
    expect(podTableConvertor.row(p, NOW).cells.slice(2, 5)).toEqual(['Unknown', '0', '3d4h']);
  });

  it('defines kube-apiserver 1.32 columns, the last four wide', () => {
    expect(podTableConvertor.columns.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ]);
  });
});
