/**
 * The ClusterRole aggregation controller (kube-controller-manager's `clusterrole-aggregation`,
 * ClusterRoleAggregationController): a ClusterRole with an aggregationRule gets as its rules every rule of the
 * ClusterRoles its selectors select — selector by selector, each selector's roles by name, the role itself left
 * out, a rule already gathered not repeated. Any change to any ClusterRole queues every aggregated one (the set
 * is small and the dependency graph unknown, as kube's controller reasons). A ClusterRole whose rules already
 * say that is not written; otherwise its rules are replaced with an update guarded by the cached
 * resourceVersion (kube applies them server-side, and falls back to this update where apply is not served).
 */
import { labelSelectorAsSelector, type ClusterRole, type DeepReadonly, type LabelSelector, type PolicyRule } from '../../../api/index.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import { CLUSTER_ROLES } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ComponentContext, Controller } from '../../runtime/controller.js';
import { actingWrite, runWorkers, syncInformers } from '../worker-loop.js';

/** ClusterRoleAggregationOptions are the controller's settings. */
export interface ClusterRoleAggregationOptions {
  /** workers is how many ClusterRoles are synced at once (kube runs 5). */
  readonly workers?: number;
}

type RoRole = DeepReadonly<ClusterRole>;
type RoRule = DeepReadonly<PolicyRule>;

const RULE_FIELDS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;

/** sameList is equality.Semantic on a string slice: an absent or null list equals an empty one. */
function sameList(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** sameRule is equality.Semantic.DeepEqual of two PolicyRules. */
export function sameRule(a: RoRule, b: RoRule): boolean {
  return RULE_FIELDS.every((f) => sameList(a[f], b[f]));
}

/** sameRules compares two rule lists in order, an absent list equal to an empty one. */
export function sameRules(a: readonly RoRule[] | null | undefined, b: readonly RoRule[] | null | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => sameRule(r, y[i]!));
}

/**
 * aggregatedRules is what syncClusterRole computes for role from all ClusterRoles, or undefined when role has no
 * aggregationRule. A selector that does not parse throws (kube returns its error, and the key is retried).
 */
export function aggregatedRules(role: RoRole, all: readonly RoRole[]): RoRule[] | undefined {
  const rule = role.aggregationRule;
  if (rule === undefined || rule === null) return undefined;
  const out: RoRule[] = [];
  for (const s of rule.clusterRoleSelectors ?? []) {
    const selector = labelSelectorAsSelector(s as LabelSelector);
    const selected = all.filter((r) => selector.matches(r.metadata.labels ?? {})).sort((a, b) => byteOrder(a.metadata.name ?? '', b.metadata.name ?? ''));
    for (const other of selected) {
      if (other.metadata.name === role.metadata.name) continue;
      for (const r of other.rules ?? []) if (!out.some((have) => sameRule(have, r))) out.push(r);
    }
  }
  return out;
}

/** byteOrder orders names as Go's `<` on strings does: by their UTF-8 bytes (not by locale or UTF-16 unit). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** clusterRoleAggregationController builds the controller. */
export function clusterRoleAggregationController(opts: ClusterRoleAggregationOptions = {}): Controller {
  return {
    name: 'clusterrole-aggregation',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      const roles = ctx.informers.informerFor<ClusterRole>(CLUSTER_ROLES);
      const queue = new WorkQueue<string>({ clock: ctx.clock });
      const enqueueAggregated = (): void => {
        for (const r of roles.cache.list()) if (r.aggregationRule !== undefined && r.aggregationRule !== null) queue.add(r.metadata.name ?? '');
      };
      const reg = roles.addEventHandler({ onAdd: enqueueAggregated, onUpdate: enqueueAggregated, onDelete: enqueueAggregated });
      const sync = async (name: string): Promise<void> => {
        const role = roles.cache.get(name);
        if (role === undefined) return;
        const rules = aggregatedRules(role, roles.cache.list());
        if (rules === undefined || sameRules(rules, role.rules)) return;
        const body = { ...(role as ClusterRole), rules: rules as PolicyRule[] };
        try {
          await actingWrite(ctx, signal, 'aggregate-clusterrole', name, () => ctx.client.update<ClusterRole>(CLUSTER_ROLES, body), { rules: rules.length });
        } catch (err) {
          // Gone meanwhile; or changed meanwhile, which queues it again with the newer copy.
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      };
      try {
        if (!(await syncInformers(ctx, signal))) return;
        await runWorkers('clusterrole-aggregation', queue, opts.workers ?? 5, sync, signal, ctx.log);
      } finally {
        reg.remove();
      }
    },
  };
}
