/**
 * The scheduler's own work without the API: the SchedulingQueue, the SchedulerCache and the decision
 * (schedulePod with the default profile) for P pods over N nodes, in-process — pop, snapshot, decide, assume,
 * confirm — so the figure is what one scheduler process can decide per second, whatever the API server and
 * store manage to write. run.ts prints it next to the end-to-end figure.
 */
import { deepFreeze, type Node, type Pod } from '../../src/api/index.js';
import { DEFAULT_PROFILE } from '../../src/components/scheduler/default-profile.js';
import { schedulePod } from '../../src/components/scheduler/schedule-pod.js';
import { SchedulerCache } from '../../src/components/scheduler/scheduler-cache.js';
import { SchedulingQueue } from '../../src/components/scheduler/scheduling-queue.js';
import { systemClock } from '../../src/util/clock.js';
import { SeededRandom } from '../../src/util/random.js';

/** AlgorithmResult is the in-process scheduling rate. */
export interface AlgorithmResult {
  readonly podsPerSecond: number;
  readonly scheduled: number;
  readonly seconds: number;
  readonly meanFeasible: number;
}

/** runAlgorithm schedules pods onto nodes in-process and returns the rate. */
export async function runAlgorithm(nodes: number, pods: number, percentageOfNodesToScore = 0): Promise<AlgorithmResult> {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) {
    const name = `node-${String(i).padStart(5, '0')}`;
    cache.addNode(
      deepFreeze<Node>({
        metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
        status: { allocatable: { cpu: '4', memory: '32Gi', pods: '110' } },
      }),
    );
  }
  const queue = new SchedulingQueue({ clock: systemClock });
  for (let i = 0; i < pods; i++) {
    queue.add(
      deepFreeze<Pod>({
        metadata: { name: `pod-${i}`, namespace: 'default', uid: `u${i}`, labels: { app: 'bench' }, creationTimestamp: '2026-01-01T00:00:00Z' },
        spec: { containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
      }),
    );
  }
  const random = new SeededRandom(1);
  let start = 0;
  let scheduled = 0;
  let feasible = 0;
  const t0 = performance.now();
  for (let i = 0; i < pods; i++) {
    const q = (await queue.pop())!;
    const r = schedulePod(q.podInfo, cache.snapshot(), { profile: DEFAULT_PROFILE, random, percentageOfNodesToScore, startIndex: start });
    start = r.nextStartIndex;
    if (r.kind !== 'scheduled') continue;
    cache.assumePod(q.podInfo.pod, r.nodeName);
    cache.finishBinding(q.key);
    scheduled++;
    feasible += r.feasibleNodes;
  }
  const seconds = (performance.now() - t0) / 1000;
  queue.close();
  return { podsPerSecond: scheduled / seconds, scheduled, seconds, meanFeasible: feasible / Math.max(1, scheduled) };
}

if (process.argv[1]?.endsWith('algorithm.ts')) {
  const nodes = Number(process.argv[2] ?? 1000);
  const pods = Number(process.argv[3] ?? 10000);
  void runAlgorithm(nodes, pods).then((r) => console.log(`in-process: ${r.scheduled} pods on ${nodes} nodes in ${r.seconds.toFixed(2)} s = ${r.podsPerSecond.toFixed(0)} pods/s (mean ${r.meanFeasible.toFixed(0)} feasible nodes scored per pod)`));
}
