import {
  nodeSelectorRequirementsAsSelector,
  selectorFromSet,
  type DeepReadonly,
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  type Pod,
  type Selector,
} from '../../../api/index.js';
import type { NodeInfo } from '../node-info.js';
import { defaultNormalizeScore, MAX_NODE_SCORE, type FilterPlugin, type ScorePlugin } from '../plugin.js';

/** ERR_REASON_NODE_AFFINITY is NodeAffinity's reason (pod's nodeSelector or required affinity not matched). */
export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** NodeIdentity is what node affinity reads of a node: its name (matchFields) and labels. */
export type NodeIdentity = Pick<NodeInfo, 'name' | 'labels'>;

/** CompiledTerm is a NodeSelectorTerm parsed once: label requirements and metadata.name field requirements. */
interface CompiledTerm {
  readonly labels: Selector | undefined;
  readonly fields: readonly DeepReadonly<NodeSelectorRequirement>[];
  /** empty terms select no node. */
  readonly empty: boolean;
}

function compileTerm(t: DeepReadonly<NodeSelectorTerm>): CompiledTerm {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  let labels: Selector | undefined;
  try {
    labels = exprs.length === 0 ? undefined : nodeSelectorRequirementsAsSelector(exprs as NodeSelectorRequirement[]);
  } catch {
    return { labels: undefined, fields: [], empty: true }; // an unparsable term matches nothing (kube logs and skips it)
  }
  return { labels, fields, empty: exprs.length === 0 && fields.length === 0 };
}

function fieldMatches(r: DeepReadonly<NodeSelectorRequirement>, node: NodeIdentity): boolean {
  if (r.key !== 'metadata.name') return false;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return values.includes(node.name);
    case 'NotIn':
      return !values.includes(node.name);
    case 'Exists':
      return true;
    case 'DoesNotExist':
      return false;
    default:
      return false;
  }
}

function termMatches(t: CompiledTerm, node: NodeIdentity): boolean {
  if (t.empty) return false;
  if (t.labels !== undefined && !t.labels.matches(node.labels)) return false;
  return t.fields.every((f) => fieldMatches(f, node));
}

/**
 * RequiredNodeAffinity is a pod's hard node constraints (nodeaffinity.RequiredNodeAffinity): its nodeSelector
 * AND any one of its required node affinity terms.
 */
export class RequiredNodeAffinity {
  private readonly selector: Selector | undefined;
  private readonly terms: readonly CompiledTerm[] | undefined;

  constructor(pod: DeepReadonly<Pod>) {
    const ns = pod.spec?.nodeSelector;
    this.selector = ns === undefined || Object.keys(ns).length === 0 ? undefined : selectorFromSet(ns);
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.terms = required === undefined ? undefined : required.nodeSelectorTerms.map(compileTerm);
  }

  /** match reports whether node satisfies the pod's nodeSelector and required node affinity. */
  match(node: NodeIdentity): boolean {
    if (this.selector !== undefined && !this.selector.matches(node.labels)) return false;
    if (this.terms === undefined) return true;
    return this.terms.some((t) => termMatches(t, node));
  }
}

/** nodeAffinityFilter rules out nodes the pod's nodeSelector or required node affinity excludes (NodeAffinity's Filter). */
export const nodeAffinityFilter: FilterPlugin<RequiredNodeAffinity> = {
  name: 'NodeAffinity',
  preFilter: (pod) => new RequiredNodeAffinity(pod.pod),
  filter: (required, _pod, node) => (required.match(node) ? undefined : [ERR_REASON_NODE_AFFINITY]),
};

interface PreferredTerm {
  readonly weight: number;
  readonly term: CompiledTerm;
}

/**
 * nodeAffinityScore sums the weights of the pod's preferred node affinity terms a node matches, normalised
 * so the best node gets 100; weight 2 as in the default profile.
 */
export const nodeAffinityScore: ScorePlugin<readonly PreferredTerm[]> = {
  name: 'NodeAffinity',
  weight: 2,
  preScore(pod) {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const terms = preferred.filter((p) => p.weight !== 0).map((p) => ({ weight: p.weight, term: compileTerm(p.preference) }));
    return terms.length === 0 ? undefined : terms;
  },
  score(terms, _pod, node) {
    let s = 0;
    for (const t of terms) if (termMatches(t.term, node)) s += t.weight;
    return s;
  },
  normalize: (_s, scores) => defaultNormalizeScore(MAX_NODE_SCORE, false, scores),
};
