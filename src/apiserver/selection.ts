/**
 * Selection is a list or watch's label and field selector, parsed and checked against the fields the
 * resource supports (an unsupported field is a 400, as kube-apiserver answers `field label not supported`).
 */
import {
  everythingFieldSelector,
  everythingSelector,
  namedFields,
  parseFieldSelector,
  parseSelector,
  type FieldSelector,
  type KubeObject,
  type Selector,
} from '../api/index.js';
import { CapstanError } from '../util/errors.js';
import { StatusError } from './errors.js';
import type { ResourceType } from './resource.js';

/** Selection decides which objects a list or watch returns. */
export interface Selection {
  readonly labels: Selector;
  readonly fields: FieldSelector;
  /** matches reports whether obj passes both selectors. */
  matches(obj: KubeObject): boolean;
  /** everything is true when neither selector restricts anything. */
  readonly everything: boolean;
}

/** parseSelection parses `labelSelector` and `fieldSelector` from a query for resource r. */
export function parseSelection(r: ResourceType, query: URLSearchParams): Selection {
  let labels = everythingSelector();
  let fields = everythingFieldSelector();
  try {
    const ls = query.get('labelSelector');
    if (ls !== null && ls !== '') labels = parseSelector(ls);
    const fs = query.get('fieldSelector');
    if (fs !== null && fs !== '') fields = parseFieldSelector(fs);
  } catch (err) {
    if (err instanceof CapstanError) throw StatusError.badRequest(`unable to parse requirement: ${err.message}`);
    throw err;
  }
  for (const req of fields.requirements()) {
    const known = req.field === 'metadata.name' || (req.field === 'metadata.namespace' && r.namespaced) || Object.prototype.hasOwnProperty.call(r.fields, req.field);
    if (!known) throw StatusError.badRequest(`field label not supported: ${req.field}`);
  }
  const everything = labels.empty() && fields.empty();
  // Only the fields the selector names are read: a pod has a dozen, and a watch matches every event twice
  // (the object's new and previous state).
  const named = [...new Set(fields.requirements().map((req) => req.field))];
  return {
    labels,
    fields,
    everything,
    matches: (obj) =>
      everything ||
      (labels.matches(obj.metadata.labels ?? {}) && fields.matches(namedFields(r.fields, r.namespaced, obj, named))),
  };
}
