/**
 * The revision history of a DaemonSet or StatefulSet (kube's pkg/controller/history and the controllers'
 * getPatch / snapshot / cleanupHistory): each pod template the owner has had is a ControllerRevision named
 * `<owner>-<hash>`, labelled with its hash, whose data is the strategic merge patch that restores the template
 * (`{"spec":{"template":{"$patch":"replace",…}}}`, keys sorted as Go marshals a map) — what `kubectl rollout
 * undo` applies — and whose revision numbers order them.
 */
import { deepCopy, newControllerRef, type ControllerRevision, type DaemonSet, type DeepReadonly, type GroupVersionKind, type StatefulSet } from '../../../api/index.js';
import { canonicalJson, computeHash } from './pod-template-hash.js';

/** CONTROLLER_REVISION_HASH_LABEL labels a revision, and the pods made from it, with the revision's hash. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** HistoryOwner is a workload that keeps its templates as ControllerRevisions. */
export type HistoryOwner = DeepReadonly<DaemonSet> | DeepReadonly<StatefulSet>;

type RoRevision = DeepReadonly<ControllerRevision>;

/** revisionPatch is the data of the owner's current revision (getPatch), as a JSON value. */
export function revisionPatch(ds: HistoryOwner): unknown {
  const template = { ...(deepCopy(ds.spec?.template ?? {}) as Record<string, unknown>), $patch: 'replace' };
  return JSON.parse(canonicalJson({ spec: { template } })) as unknown;
}

/** revisionMatches says history holds the owner's current template (Match: the same patch). */
export function revisionMatches(ds: HistoryOwner, history: RoRevision): boolean {
  return canonicalJson(history.data) === canonicalJson(revisionPatch(ds));
}

/** revisionHash is the hash of the owner's current template with a collision count (by default its own). */
export function revisionHash(ds: HistoryOwner, collisionCount = ds.status?.collisionCount): string {
  return computeHash(ds.spec?.template, collisionCount);
}

/**
 * newRevision is the ControllerRevision of the owner's current template at revision (snapshot): the template's
 * labels plus the hash label, the owner's annotations (so `kubectl rollout history` shows its change-cause),
 * the owner (of kind) as controller.
 */
export function newRevision(ds: HistoryOwner, kind: GroupVersionKind, revision: number, collisionCount = ds.status?.collisionCount): ControllerRevision {
  const hash = revisionHash(ds, collisionCount);
  const annotations = ds.metadata.annotations;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata.name ?? ''}-${hash}`,
      namespace: ds.metadata.namespace ?? '',
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(annotations === undefined ? {} : { annotations: { ...annotations } }),
      ownerReferences: [newControllerRef(ds as DaemonSet | StatefulSet, kind)],
    },
    data: revisionPatch(ds),
    revision,
  };
}

/** maxRevision is the highest revision number among histories (0 for none). */
export function maxRevision(histories: readonly RoRevision[]): number {
  return histories.reduce((m, h) => Math.max(m, h.revision ?? 0), 0);
}

/** HistorySplit is an owner's revisions split into those holding its current template and the rest. */
export interface HistorySplit {
  readonly current: readonly RoRevision[];
  readonly old: readonly RoRevision[];
}

/** splitHistory separates the owner's current revisions from its old ones. */
export function splitHistory(ds: HistoryOwner, histories: readonly RoRevision[]): HistorySplit {
  const current: RoRevision[] = [];
  const old: RoRevision[] = [];
  for (const h of histories) (revisionMatches(ds, h) ? current : old).push(h);
  return { current, old };
}

/**
 * historyToDelete picks the old revisions beyond revisionHistoryLimit, lowest revision first, sparing any whose
 * hash a live pod still carries (cleanupHistory).
 */
export function historyToDelete(ds: HistoryOwner, old: readonly RoRevision[], liveHashes: ReadonlySet<string>): RoRevision[] {
  let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
  if (toKill <= 0) return [];
  const out: RoRevision[] = [];
  for (const h of [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))) {
    if (toKill <= 0) break;
    if (liveHashes.has(h.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')) continue;
    out.push(h);
    toKill--;
  }
  return out;
}
