/**
 * kube-controller-manager's `--controllers` list: `*` enables every controller that is on by default, `name`
 * enables one, `-name` disables one (a disable wins over `*` and over an enable, in any order); the default is
 * `*`. An unknown name is an error, as kube-controller-manager refuses it at start.
 */
import { CapstanError } from '../../util/errors.js';

/** ControllersFlagError is a --controllers list naming a controller that does not exist. */
export class ControllersFlagError extends CapstanError {
  constructor(message: string) {
    super(message, 'INVALID_FLAG', false);
  }
}

/**
 * KNOWN_CONTROLLERS are the controllers `capstan controller-manager` can run, in kube-controller-manager's
 * names, all on by default.
 */
export const KNOWN_CONTROLLERS = ['replicaset', 'deployment', 'daemonset', 'statefulset', 'job', 'cronjob', 'ttl-after-finished', 'nodelifecycle', 'podgc', 'endpoint', 'endpointslice', 'namespace', 'garbagecollector', 'serviceaccount', 'clusterrole-aggregation', 'disruption', 'resourcequota'] as const;

/** ControllerName is one of KNOWN_CONTROLLERS. */
export type ControllerName = (typeof KNOWN_CONTROLLERS)[number];

/**
 * enabledControllers resolves a --controllers list (items as given, comma-split) against the known names and
 * the ones off by default; it returns the enabled names in KNOWN order.
 */
export function enabledControllers(items: readonly string[], known: readonly string[] = KNOWN_CONTROLLERS, offByDefault: readonly string[] = []): string[] {
  const list = items.length === 0 ? ['*'] : items;
  const on = new Set<string>();
  const off = new Set<string>();
  let star = false;
  for (const raw of list) {
    const item = raw.trim();
    if (item === '') continue;
    if (item === '*') {
      star = true;
      continue;
    }
    const disable = item.startsWith('-');
    const name = disable ? item.slice(1) : item;
    if (!known.includes(name)) throw new ControllersFlagError(`--controllers: "${name}" is not in the list of known controllers (${known.join(', ')})`);
    (disable ? off : on).add(name);
  }
  return known.filter((n) => !off.has(n) && (on.has(n) || (star && !offByDefault.includes(n))));
}
