/**
 * slowStartBatch calls fn count times in batches that double in size — 1, 2, 4, … — running each batch's calls
 * concurrently, and stops after the first batch in which a call fails (kube's controller slowStartBatch). A
 * controller that cannot create pods (a quota, an admission webhook, a bad template) thus fails with one
 * request rather than hundreds. It resolves to the number of calls that succeeded and the first error, if any.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]!.reason };
    remaining -= batch;
  }
  return { successes };
}

/** SLOW_START_INITIAL_BATCH_SIZE is the size of the first batch (kube's SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;
