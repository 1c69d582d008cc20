/**
 * ControllerExpectations remembers, per controller key, the pod creations and deletions a controller has sent
 * but not yet seen come back through its informer (kube's UIDTrackingControllerExpectations). A sync acts only
 * when its expectations are satisfied, so it never acts twice on a cache that has not caught up with its own
 * writes — e.g. creating five more pods because the five it just created are not listed yet.
 *
 * Deletions are tracked by pod key, not just counted: a pod whose deletion is observed twice (an update with
 * deletionTimestamp, then the DELETED event) lowers the count once. Expectations older than the TTL (kube: five
 * minutes) count as satisfied, so a lost event cannot wedge a controller forever.
 */
import type { Clock } from '../../../util/clock.js';

/** EXPECTATIONS_TIMEOUT_MS is how long unfulfilled expectations hold a controller back (kube's ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** deleting holds the keys of the pods whose deletion is still expected. */
  deleting: Set<string>;
  /** at is when the expectations were set (monotonic ms). */
  at: number;
}

/** ControllerExpectations tracks in-flight creations and deletions per controller key. */
export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TIMEOUT_MS,
  ) {}

  /** satisfied reports whether key may sync: nothing in flight, no record, or the record expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (e === undefined) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.monotonic() - e.at > this.ttlMs;
  }

  /** expectCreations records that count creations are about to be sent for key (replacing older expectations). */
  expectCreations(key: string, count: number): void {
    this.byKey.set(key, { add: count, del: 0, deleting: new Set(), at: this.clock.monotonic() });
  }

  /** expectDeletions records that the pods podKeys are about to be deleted for key (replacing older expectations). */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.byKey.set(key, { add: 0, del: podKeys.length, deleting: new Set(podKeys), at: this.clock.monotonic() });
  }

  /** expect records that count creations and the deletions of podKeys are about to be sent for key (SetExpectations). */
  expect(key: string, count: number, podKeys: readonly string[]): void {
    this.byKey.set(key, { add: count, del: podKeys.length, deleting: new Set(podKeys), at: this.clock.monotonic() });
  }

  /** creationObserved lowers key's expected creations by one (a pod was seen, or a create will never happen). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e !== undefined) e.add -= 1;
  }

  /** deletionObserved lowers key's expected deletions by one if podKey's deletion was expected and not yet seen. */
  deletionObserved(key: string, podKey: string): void {
    const e = this.byKey.get(key);
    if (e === undefined || !e.deleting.delete(podKey)) return;
    e.del -= 1;
  }

  /** pending returns key's outstanding creations and deletions (0, 0 without a record). */
  pending(key: string): { add: number; del: number } {
    const e = this.byKey.get(key);
    return e === undefined ? { add: 0, del: 0 } : { add: e.add, del: e.del };
  }

  /** forget drops key's record (its controller was deleted). */
  forget(key: string): void {
    this.byKey.delete(key);
  }
}
