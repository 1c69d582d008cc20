/**
 * HeartbeatDelay tells when a leader's heartbeats went out late: more than two heartbeat intervals after the
 * previous ones (etcd's timeout detector for "leader failed to send out heartbeat on time"). Followers that
 * hear nothing for an election timeout elect another leader, so a late heartbeat is the warning before that.
 */
export class HeartbeatDelay {
  private last: number | undefined;

  constructor(private readonly heartbeatIntervalMs: number) {}

  /** expectedMs is the longest gap between two heartbeat rounds that is not reported. */
  get expectedMs(): number {
    return 2 * this.heartbeatIntervalMs;
  }

  /** sent records heartbeats sent at now (monotonic ms) and returns by how much they exceeded expectedMs, if they did. */
  sent(now: number): number | undefined {
    const last = this.last;
    this.last = now;
    if (last === undefined) return undefined;
    const exceeded = now - last - this.expectedMs;
    return exceeded > 0 ? exceeded : undefined;
  }

  /** reset forgets the last round: the first heartbeats of a new leadership are never late. */
  reset(): void {
    this.last = undefined;
  }
}
