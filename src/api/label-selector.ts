/**
 * Conversions from the structured selectors of specs to label Selectors: metav1.LabelSelector
 * (Deployment.spec.selector, topology spread, pod affinity) and node selector requirements (node affinity).
 */
import { LabelSelectorParseError } from './errors.js';
import type { NodeSelectorOperator, NodeSelectorRequirement } from './core-v1.js';
import { goQuote } from './go-format.js';
import { type Requirement, type SelectionOperator, type Selector, everythingSelector, newRequirement, nothingSelector, selectorFromRequirements } from './labels.js';
import type { LabelSelector, LabelSelectorOperator } from './meta-v1.js';

const labelSelectorOps: Readonly<Record<LabelSelectorOperator, SelectionOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

const nodeSelectorOps: Readonly<Record<NodeSelectorOperator, SelectionOperator>> = {
  ...labelSelectorOps,
  Gt: 'gt',
  Lt: 'lt',
};

/**
 * labelSelectorAsSelector converts a metav1.LabelSelector (metav1.LabelSelectorAsSelector): an absent
 * selector matches nothing, an empty one everything; matchLabels become `=` requirements and matchExpressions
 * their set-based equivalents. An unknown operator throws LabelSelectorParseError; an invalid key or value
 * throws InvalidRequirementError.
 */
export function labelSelectorAsSelector(ps: LabelSelector | null | undefined): Selector {
  if (ps === null || ps === undefined) return nothingSelector();
  const matchLabels = Object.entries(ps.matchLabels ?? {});
  const matchExpressions = ps.matchExpressions ?? [];
  if (matchLabels.length + matchExpressions.length === 0) return everythingSelector();
  const reqs: Requirement[] = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of matchExpressions) {
    const op = Object.prototype.hasOwnProperty.call(labelSelectorOps, expr.operator) ? labelSelectorOps[expr.operator] : undefined;
    if (op === undefined) throw new LabelSelectorParseError(`${goQuote(String(expr.operator))} is not a valid label selector operator`);
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return selectorFromRequirements(reqs);
}

/**
 * nodeSelectorRequirementsAsSelector converts the matchExpressions of a NodeSelectorTerm: an empty list
 * matches nothing (an empty term selects no node); Gt and Lt compare integer label values. An unknown
 * operator throws LabelSelectorParseError; an invalid requirement throws InvalidRequirementError.
 */
export function nodeSelectorRequirementsAsSelector(nsm: readonly NodeSelectorRequirement[] | undefined): Selector {
  if (nsm === undefined || nsm.length === 0) return nothingSelector();
  const reqs: Requirement[] = [];
  for (const expr of nsm) {
    const op = Object.prototype.hasOwnProperty.call(nodeSelectorOps, expr.operator) ? nodeSelectorOps[expr.operator] : undefined;
    if (op === undefined) throw new LabelSelectorParseError(`${goQuote(String(expr.operator))} is not a valid node selector operator`);
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return selectorFromRequirements(reqs);
}
