/**
 * A pod's inter-pod affinity and anti-affinity terms parsed once (framework.AffinityTerm and the four term lists
 * of framework.PodInfo): each term's label selector (its matchLabelKeys and mismatchLabelKeys were merged into it
 * by the API server when the pod was created, as kube 1.32's), the namespaces it looks in (the pod's own when it
 * names none and has no namespace selector) and its namespace selector (none: no namespace by labels; `{}`: all).
 */
import { labelSelectorAsSelector, nothingSelector, type DeepReadonly, type Labels, type Pod, type PodAffinityTerm, type Selector } from '../../api/index.js';

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
  /** error says why a term's selector does not parse (the pod cannot be scheduled: kube's "parsing pod"). */
  readonly error: string | undefined;
  readonly required: readonly AffinityTerm[];
  readonly requiredAnti: readonly AffinityTerm[];
  readonly preferred: readonly WeightedAffinityTerm[];
  readonly preferredAnti: readonly WeightedAffinityTerm[];
}

/** NamespaceLabels gives a namespace's labels (undefined for one the scheduler does not know). */
export type NamespaceLabels = (namespace: string) => Labels | undefined;

/** parseSelector parses a term's selector; one that does not parse (refused by the API server) is noted in errors. */
function parseSelector(s: PodAffinityTerm['labelSelector'] | undefined, errors: string[]): Selector {
  try {
    return labelSelectorAsSelector(s);
  } catch (err) {
    errors.push((err as Error).message);
    return nothingSelector();
  }
}

function termOf(pod: DeepReadonly<Pod>, term: DeepReadonly<PodAffinityTerm> | undefined, errors: string[]): AffinityTerm {
  const t = term ?? { topologyKey: '' };
  const selector = parseSelector(t.labelSelector as PodAffinityTerm['labelSelector'], errors);
  const named = t.namespaces ?? [];
  const nsSelector = t.namespaceSelector as PodAffinityTerm['namespaceSelector'];
  const namespaces = new Set(named.length === 0 && (nsSelector === undefined || nsSelector === null) ? [pod.metadata.namespace ?? ''] : named);
  return { namespaces, namespaceSelector: parseSelector(nsSelector, errors), selector, topologyKey: t.topologyKey ?? '' };
}

/** affinityTermsOf parses pod's inter-pod affinity, or returns undefined when it has none. */
export function affinityTermsOf(pod: DeepReadonly<Pod>): AffinityTerms | undefined {
  const affinity = pod.spec?.affinity;
  const a = affinity?.podAffinity;
  const anti = affinity?.podAntiAffinity;
  if ((a === undefined || a === null) && (anti === undefined || anti === null)) return undefined;
  const errors: string[] = [];
  const terms = {
    required: (a?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => termOf(pod, t, errors)),
    requiredAnti: (anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => termOf(pod, t, errors)),
    preferred: (a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...termOf(pod, w.podAffinityTerm, errors), weight: w.weight ?? 0 })),
    preferredAnti: (anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...termOf(pod, w.podAffinityTerm, errors), weight: w.weight ?? 0 })),
  };
  return { error: errors.length === 0 ? undefined : errors.join(', '), ...terms };
}

/**
 * termMatches is AffinityTerm.Matches: pod is in one of the term's namespaces, or one its namespace selector
 * selects, and its labels are selected. A namespace the scheduler does not know is selected as one without labels
 * for a placed pod's term (kube reads it so), but not for the pod being scheduled's own terms (kube resolves
 * those selectors to the namespaces that exist): pass ownTerms.
 */
export function termMatches(term: AffinityTerm, pod: DeepReadonly<Pod>, namespaceLabels: NamespaceLabels, ownTerms = false): boolean {
  const ns = pod.metadata.namespace ?? '';
  if (!term.namespaces.has(ns) && !term.namespaceSelector.empty()) {
    const labels = namespaceLabels(ns);
    if (labels === undefined && ownTerms) return false;
    if (!term.namespaceSelector.matches(labels ?? {})) return false;
  }
  return term.selector.matches(pod.metadata.labels ?? {});
}

/** matchesAllTerms is podMatchesAllAffinityTerms: there are terms, and pod matches every one of these own terms. */
export function matchesAllTerms(terms: readonly AffinityTerm[], pod: DeepReadonly<Pod>, namespaceLabels: NamespaceLabels): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, pod, namespaceLabels, true));
}
