/**
 * failover measures leader loss: under a light write load it SIGKILLs the current leader, then times
 *
 * - kill → new leader: the first Maintenance.Status answer from a survivor naming another survivor (or
 *   itself) leader in a higher term (each survivor is polled every 10 ms);
 * - kill → first write: the first put issued after the kill that succeeds (its acknowledgement time).
 *
 * The killed member is then restarted on its data directory, and the next trial waits until it serves a
 * linearizable read and a leader is known. The write load is one put to every member every 20 ms (150
 * puts/s over the cluster), each with a 5 s deadline and none waiting for the previous one (see WriteLoad).
 *
 * With `freeze`, the leader is stopped with SIGSTOP instead of SIGKILL (and killed only once both times are
 * measured). Its TCP connections then stay open, as they would in a network partition or a hung host, so a
 * member that reacts to a closed connection has nothing to react to and must wait for its election timeout.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { waitMemberReady, type BenchCluster, type BenchMember } from './clusters.js';
import { EtcdRpc, encodePut } from './rpc.js';
import { isAlive } from './processes.js';

/** FailoverTrial is one kill of the leader. */
export interface FailoverTrial {
  killed: string;
  term: number;
  /** leaderMs is kill → a survivor reports a new leader; undefined if none within the deadline. */
  leaderMs?: number;
  /** writeMs is kill → first acknowledged put issued after the kill. */
  writeMs?: number;
  /** recoverMs is kill → the restarted member serves a linearizable read. */
  recoverMs?: number;
  error?: string;
}

/** FailoverOptions bounds the run. */
export interface FailoverOptions {
  kills: number;
  /** trialTimeoutMs bounds each wait of a trial (new leader, first write, restart). */
  trialTimeoutMs: number;
  /** freeze stops the leader with SIGSTOP instead of killing it (see the file comment). */
  freeze: boolean;
  onTrial?: (t: FailoverTrial, i: number) => void;
}

interface Ack {
  issuedAt: number;
  ackedAt: number;
}

/**
 * WriteLoad is the light background write load: every intervalMs, one put to each member, each with its own
 * deadline, not waiting for the previous one. A put stuck on the dead leader therefore does not delay the
 * next one, and the first put issued after the kill that succeeds is found within intervalMs of the cluster
 * taking writes again.
 */
class WriteLoad {
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiters: { after: number; resolve: (ackedAt: number) => void }[] = [];
  private seq = 0;

  constructor(rpcs: Map<BenchMember, EtcdRpc>, intervalMs: number, timeoutMs: number) {
    const value = randomBytes(256);
    this.timer = setInterval(() => {
      for (const rpc of rpcs.values()) {
        // Bounded: with every put hanging until its deadline, at most timeoutMs / intervalMs per member.
        if (this.inFlight.size >= (3 * timeoutMs) / intervalMs) return;
        const issuedAt = performance.now();
        const p: Promise<void> = rpc
          .put(encodePut(Buffer.from(`bench/failover/${this.seq++ % 1000}`), value), timeoutMs)
          .then(
            () => this.acked({ issuedAt, ackedAt: performance.now() }),
            () => undefined,
          )
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }, intervalMs);
  }

  private acked(a: Ack): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (a.issuedAt >= w.after) {
        this.waiters.splice(i, 1);
        w.resolve(a.ackedAt);
      }
    }
  }

  /** firstAckAfter resolves with the ack time of the first put issued at or after `after`. */
  firstAckAfter(after: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const w = {
        after,
        resolve: (t: number) => {
          clearTimeout(timer);
          resolve(t);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no put issued after the kill succeeded within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }
}

/** pollNewLeader resolves with the time a survivor first reports a survivor leader in a term above term. */
async function pollNewLeader(rpcs: Map<BenchMember, EtcdRpc>, survivors: readonly BenchMember[], term: number, timeoutMs: number): Promise<number> {
  const ids = new Set(survivors.map((m) => m.memberId));
  const deadline = performance.now() + timeoutMs;
  let found: number | undefined;
  await Promise.all(
    survivors.map(async (m) => {
      const rpc = rpcs.get(m)!;
      while (found === undefined && performance.now() < deadline) {
        try {
          const st = await rpc.status(300);
          if (found === undefined && st.raftTerm > term && ids.has(st.leader)) found = performance.now();
        } catch {
          // the member is busy electing or unreachable: ask again
        }
        if (found === undefined) await delay(10);
      }
    }),
  );
  if (found === undefined) throw new Error(`no survivor reported a new leader within ${timeoutMs} ms`);
  return found;
}

/** runFailover runs options.kills trials and returns them; it stops early if the cluster cannot recover. */
export async function runFailover(cluster: BenchCluster, options: FailoverOptions): Promise<FailoverTrial[]> {
  const rpcs = new Map(cluster.members.map((m) => [m, new EtcdRpc(m.address, { fastReconnect: true })] as const));
  const load = new WriteLoad(rpcs, 20, 5_000);
  const trials: FailoverTrial[] = [];
  try {
    for (let i = 0; i < options.kills; i++) {
      const { leader, term } = await cluster.leader(options.trialTimeoutMs);
      // Start each trial from a cluster that takes writes.
      await load.firstAckAfter(performance.now(), options.trialTimeoutMs);
      const survivors = cluster.members.filter((m) => m !== leader);
      const trial: FailoverTrial = { killed: leader.name, term };
      const killAt = performance.now();
      process.kill(leader.pid, options.freeze ? 'SIGSTOP' : 'SIGKILL');
      const [leaderAt, writeAt] = await Promise.allSettled([pollNewLeader(rpcs, survivors, term, options.trialTimeoutMs), load.firstAckAfter(killAt, options.trialTimeoutMs)]);
      if (leaderAt.status === 'fulfilled') trial.leaderMs = leaderAt.value - killAt;
      else trial.error = String(leaderAt.reason instanceof Error ? leaderAt.reason.message : leaderAt.reason);
      if (writeAt.status === 'fulfilled') trial.writeMs = writeAt.value - killAt;
      else trial.error = [trial.error, writeAt.reason instanceof Error ? writeAt.reason.message : String(writeAt.reason)].filter((e) => e !== undefined).join('; ');
      await cluster.kill9(leader);
      cluster.restart(leader);
      try {
        await waitMemberReady(leader, options.trialTimeoutMs * 2);
        trial.recoverMs = performance.now() - killAt;
      } catch (err) {
        trial.error = [trial.error, `restart: ${err instanceof Error ? err.message : String(err)}`].filter((e) => e !== undefined).join('; ');
        trials.push(trial);
        options.onTrial?.(trial, i);
        if (!isAlive(leader.pid)) break;
        continue;
      }
      trials.push(trial);
      options.onTrial?.(trial, i);
    }
  } finally {
    await load.stop();
    for (const r of rpcs.values()) r.close();
  }
  return trials;
}
