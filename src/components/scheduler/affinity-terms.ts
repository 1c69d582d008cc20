/**
 * A pod's inter-pod affinity and anti-affinity terms parsed once (framework.AffinityTerm and the four term lists
 * of framework.PodInfo): each term's label selector (with matchLabelKeys and mismatchLabelKeys merged as kube
 * 1.32 merges them, In and NotIn the pod's own values), the namespaces it looks in (the pod's own when it names
 * none and has no namespace selector) and its namespace selector (none: no namespace by labels; `{}`: all).
 */
import { labelSelectorAsSelector, newRequirement, nothingSelector, type DeepReadonly, type Labels, type Pod, type PodAffinityTerm, type Selector } from '../../api/index.js';

/** AffinityTerm is one parsed PodAffinityTerm. */
export interface AffinityTerm {
  readonly namespaces: ReadonlySet<string>;
  readonly namespaceSelector: Selector;
  readonly selector: Selector;
  readonly topologyKey: string;
}

/** WeightedAffinityTerm is a preferred term with its weight. */
export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/** AffinityTerms are a pod's four lists of terms; undefined on a pod without podAffinity or podAntiAffinity. */
export interface AffinityTerms {
  readonly required: readonly AffinityTerm[];
  readonly requiredAnti: readonly AffinityTerm[];
  readonly preferred: readonly WeightedAffinityTerm[];
  readonly preferredAnti: readonly WeightedAffinityTerm[];
}

/** NamespaceLabels gives a namespace's labels (undefined for one the scheduler does not know). */
export type NamespaceLabels = (namespace: string) => Labels | undefined;

function parseSelector(s: PodAffinityTerm['labelSelector'] | undefined): Selector {
  try {
    return labelSelectorAsSelector(s);
  } catch {
    // The API server refuses such selectors; one that slipped by selects nothing.
    return nothingSelector();
  }
}

function termOf(pod: DeepReadonly<Pod>, t: DeepReadonly<PodAffinityTerm>): AffinityTerm {
  let selector = parseSelector(t.labelSelector as PodAffinityTerm['labelSelector']);
  const labels = pod.metadata.labels ?? {};
  // matchLabelKeys / mismatchLabelKeys (1.32: merged into the selector, for a selector that selects something).
  if (t.labelSelector !== undefined && t.labelSelector !== null) {
    for (const key of t.matchLabelKeys ?? []) if (labels[key] !== undefined) selector = selector.add(newRequirement(key, 'in', [labels[key]!]));
    for (const key of t.mismatchLabelKeys ?? []) if (labels[key] !== undefined) selector = selector.add(newRequirement(key, 'notin', [labels[key]!]));
  }
  const named = t.namespaces ?? [];
  const nsSelector = t.namespaceSelector as PodAffinityTerm['namespaceSelector'];
  const namespaces = new Set(named.length === 0 && (nsSelector === undefined || nsSelector === null) ? [pod.metadata.namespace ?? ''] : named);
  return { namespaces, namespaceSelector: parseSelector(nsSelector), selector, topologyKey: t.topologyKey };
}

/** affinityTermsOf parses pod's inter-pod affinity, or returns undefined when it has none. */
export function affinityTermsOf(pod: DeepReadonly<Pod>): AffinityTerms | undefined {
  const affinity = pod.spec?.affinity;
  const a = affinity?.podAffinity;
  const anti = affinity?.podAntiAffinity;
  if ((a === undefined || a === null) && (anti === undefined || anti === null)) return undefined;
  return {
    required: (a?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => termOf(pod, t)),
    requiredAnti: (anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => termOf(pod, t)),
    preferred: (a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...termOf(pod, w.podAffinityTerm), weight: w.weight })),
    preferredAnti: (anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...termOf(pod, w.podAffinityTerm), weight: w.weight })),
  };
}

/** termMatches is AffinityTerm.Matches: pod is in one of the term's namespaces and its labels are selected. */
export function termMatches(term: AffinityTerm, pod: DeepReadonly<Pod>, namespaceLabels: NamespaceLabels): boolean {
  const ns = pod.metadata.namespace ?? '';
  if (!term.namespaces.has(ns) && !(term.namespaceSelector.empty() || term.namespaceSelector.matches(namespaceLabels(ns) ?? {}))) return false;
  return term.selector.matches(pod.metadata.labels ?? {});
}

/** matchesAllTerms is podMatchesAllAffinityTerms: there are terms, and pod matches every one. */
export function matchesAllTerms(terms: readonly AffinityTerm[], pod: DeepReadonly<Pod>, namespaceLabels: NamespaceLabels): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, pod, namespaceLabels));
}
