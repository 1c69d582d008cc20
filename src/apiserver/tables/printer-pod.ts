/**
 * The Pod printer (printPod in pkg/printers/internalversion): NAME READY STATUS RESTARTS AGE, and wide
 * IP NODE NOMINATED NODE READINESS GATES. STATUS is the reason kubectl users know — the phase, overridden by
 * the pod's reason, init container progress (`Init:1/2`, `Init:CrashLoopBackOff`), the first container's
 * waiting or terminated reason, `Terminating` and `Unknown` for pods being deleted. RESTARTS carries the time
 * of the last restart: `3 (10s ago)`. Sidecars (init containers with restartPolicy Always) count as
 * containers.
 */
import type { Container, ContainerStatus, Pod, PodCondition } from '../../api/core-v1.js';
import type { KubeObject, TableRowCondition } from '../../api/meta-v1.js';
import { DESC_POD } from './descriptions.js';
import { humanDuration } from './duration.js';
import { type PrintedRow, type TableConvertor, ageColumn, column, nameColumn, timestampMillis, translateTimestampSince } from './table-convertor.js';

/** Fields of core/v1 that capstan's types leave out but the printer reads when a client sets them. */
interface PrintableContainer extends Container {
  restartPolicy?: string;
}
interface PrintableReadinessGate {
  conditionType: string;
}

const podColumns = [
  nameColumn,
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  ageColumn,
  column('IP', 'string', DESC_POD.podIP, 1),
  column('Node', 'string', DESC_POD.nodeName, 1),
  column('Nominated Node', 'string', DESC_POD.nominatedNodeName, 1),
  column('Readiness Gates', 'string', DESC_POD.readinessGates, 1),
];

/** POD_SUCCEEDED_CONDITIONS marks the row of a Succeeded pod. */
export const POD_SUCCEEDED_CONDITIONS: readonly TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];

/** POD_FAILED_CONDITIONS marks the row of a Failed pod. */
export const POD_FAILED_CONDITIONS: readonly TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

/** NODE_UNREACHABLE_POD_REASON is the reason the node lifecycle controller gives pods of a lost node. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

function isRestartable(c: PrintableContainer | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function hasCondition(conditions: readonly PodCondition[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** lastTerminated is when a container last finished, for the `(10s ago)` part of RESTARTS. */
function lastTerminated(s: ContainerStatus): number | undefined {
  return s.lastState?.terminated === undefined ? undefined : timestampMillis(s.lastState.terminated.finishedAt);
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b > a ? b : a;
}

function printPod(pod: Pod, now: number): PrintedRow {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const initContainers = (spec?.initContainers ?? []) as PrintableContainer[];
  const phase = status.phase ?? '';
  let reason: string = status.reason ? status.reason : phase;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = spec?.containers?.length ?? 0;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;

  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const row: PrintedRow = { cells: [] };
  if (phase === 'Succeeded') row.conditions = POD_SUCCEEDED_CONDITIONS.map((c) => ({ ...c }));
  else if (phase === 'Failed') row.conditions = POD_FAILED_CONDITIONS.map((c) => ({ ...c }));

  const initByName = new Map<string, PrintableContainer>();
  for (const c of initContainers) {
    initByName.set(c.name, c);
    if (isRestartable(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const restartable = isRestartable(initByName.get(cs.name));
    restarts += cs.restartCount ?? 0;
    lastRestart = later(lastRestart, lastTerminated(cs));
    if (restartable) {
      restartableInitRestarts += cs.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerminated(cs));
    }
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated !== undefined && terminated.exitCode === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(status.conditions, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, lastTerminated(cs));
      const waiting = cs.state?.waiting;
      const terminated = cs.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated !== undefined) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (cs.ready && cs.state?.running !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose first container completed while another still runs is Running (or NotReady), not Completed.
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsCell = restarts !== 0 && lastRestart !== undefined ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);

  // The internal Pod's podIPs[0] is status.podIP when that is set (v1 → internal conversion).
  const podIP = status.podIP || status.podIPs?.[0]?.ip || '<none>';
  const gates = ((spec as { readinessGates?: PrintableReadinessGate[] } | undefined)?.readinessGates ?? []);
  let readinessGates = '<none>';
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      const cond = (status.conditions ?? []).find((c) => c.type === gate.conditionType);
      if (cond?.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }
  row.cells = [
    pod.metadata.name ?? '',
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsCell,
    translateTimestampSince(pod.metadata.creationTimestamp, now),
    podIP,
    spec?.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates,
  ];
  return row;
}

/** podTableConvertor prints pods. */
export const podTableConvertor: TableConvertor = {
  columns: podColumns,
  row: (obj: KubeObject, now: number) => printPod(obj as Pod, now),
};
