/**
 * A DaemonSet's history (kube's pkg/controller/daemon/update.go): each pod template it has had is a
 * ControllerRevision named `<ds>-<hash>`, labelled with its hash, whose data is the strategic merge patch that
 * restores the template (`{"spec":{"template":{"$patch":"replace",…}}}`, keys sorted as Go marshals a map) —
 * what `kubectl rollout undo daemonset` applies — and whose revision numbers order them.
 */
import { deepCopy, newControllerRef, type ControllerRevision, type DaemonSet, type DeepReadonly } from '../../../api/index.js';
import { CONTROLLER_REVISION_HASH_LABEL, DAEMON_SET_KIND } from './daemon-set-sync.js';
import { canonicalJson, computeHash } from './pod-template-hash.js';

type RoDaemonSet = DeepReadonly<DaemonSet>;
type RoRevision = DeepReadonly<ControllerRevision>;

/** revisionPatch is the data of ds's current revision (getPatch), as a JSON value. */
export function revisionPatch(ds: RoDaemonSet): unknown {
  const template = { ...(deepCopy(ds.spec?.template ?? {}) as Record<string, unknown>), $patch: 'replace' };
  return JSON.parse(canonicalJson({ spec: { template } })) as unknown;
}

/** revisionMatches says history holds ds's current template (Match: the same patch). */
export function revisionMatches(ds: RoDaemonSet, history: RoRevision): boolean {
  return canonicalJson(history.data) === canonicalJson(revisionPatch(ds));
}

/** revisionHash is the hash of ds's current template with its collision count. */
export function revisionHash(ds: RoDaemonSet): string {
  return computeHash(ds.spec?.template, ds.status?.collisionCount);
}

/**
 * newRevision is the ControllerRevision of ds's current template at revision (snapshot): the template's labels
 * plus the hash label, ds's annotations (so `kubectl rollout history` shows its change-cause), ds as controller.
 */
export function newRevision(ds: RoDaemonSet, revision: number): ControllerRevision {
  const hash = revisionHash(ds);
  const annotations = ds.metadata.annotations;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata.name ?? ''}-${hash}`,
      namespace: ds.metadata.namespace ?? '',
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(annotations === undefined ? {} : { annotations: { ...annotations } }),
      ownerReferences: [newControllerRef(ds as DaemonSet, DAEMON_SET_KIND)],
    },
    data: revisionPatch(ds),
    revision,
  };
}

/** maxRevision is the highest revision number among histories (0 for none). */
export function maxRevision(histories: readonly RoRevision[]): number {
  return histories.reduce((m, h) => Math.max(m, h.revision ?? 0), 0);
}

/** HistorySplit is a DaemonSet's revisions split into those holding its current template and the rest. */
export interface HistorySplit {
  readonly current: readonly RoRevision[];
  readonly old: readonly RoRevision[];
}

/** splitHistory separates ds's current revisions from its old ones. */
export function splitHistory(ds: RoDaemonSet, histories: readonly RoRevision[]): HistorySplit {
  const current: RoRevision[] = [];
  const old: RoRevision[] = [];
  for (const h of histories) (revisionMatches(ds, h) ? current : old).push(h);
  return { current, old };
}

/**
 * historyToDelete picks the old revisions beyond revisionHistoryLimit, lowest revision first, sparing any whose
 * hash a live pod still carries (cleanupHistory).
 */
export function historyToDelete(ds: RoDaemonSet, old: readonly RoRevision[], liveHashes: ReadonlySet<string>): RoRevision[] {
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
