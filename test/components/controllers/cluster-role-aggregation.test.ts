/**
 * The ClusterRole aggregation controller: the pure aggregation (selector by selector, roles by name, the role
 * itself left out, duplicate rules once, absent and empty lists equal), and the controller in-process against a
 * real store and `capstan apiserver`: an aggregated ClusterRole gets the rules of the roles it selects, follows
 * a change to one, and drops the rules of one deleted.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterRole, DeepReadonly } from '../../../src/api/index.js';
import { aggregatedRules, clusterRoleAggregationController, sameRules } from '../../../src/components/controllers/clusterroleaggregation/cluster-role-aggregation-controller.js';
import { CLUSTER_ROLES } from '../../../src/components/client/resource.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';
import { useInProcessController } from './helpers/in-process.js';

const AGG = 'rbac.example.com/aggregate-to-monitoring';

function role(name: string, rules: ClusterRole['rules'], labels?: Record<string, string>, selectors?: Record<string, string>[]): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, ...(labels === undefined ? {} : { labels }) },
    rules,
    ...(selectors === undefined ? {} : { aggregationRule: { clusterRoleSelectors: selectors.map((m) => ({ matchLabels: m })) } }),
  };
}

describe('aggregatedRules', () => {
  const pods = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  const nodes = { verbs: ['get'], apiGroups: [''], resources: ['nodes'] };
  const metrics = { verbs: ['get'], nonResourceURLs: ['/metrics'] };

  it('gathers the selected roles\' rules by selector, then by name, each rule once, without the role itself', () => {
    const agg = role('monitoring', null, { [AGG]: 'true' }, [{ [AGG]: 'true' }, { extra: 'yes' }]);
    const all = [agg, role('b', [nodes, pods], { [AGG]: 'true' }), role('a', [pods], { [AGG]: 'true' }), role('c', [metrics, nodes], { extra: 'yes' }), role('d', [metrics])];
    expect(aggregatedRules(agg, all)).toEqual([pods, nodes, metrics]);
    expect(aggregatedRules(role('plain', [pods]), all)).toBeUndefined();
    expect(aggregatedRules(role('none', [pods], undefined, [{ nothing: 'here' }]), all)).toEqual([]);
  });

  it('compares rule lists as Go\'s semantic equality: an absent list equals an empty one, order matters', () => {
    expect(sameRules([], null)).toBe(true);
    expect(sameRules([{ verbs: ['get'], resources: ['pods'], apiGroups: [] }], [{ verbs: ['get'], resources: ['pods'] }])).toBe(true);
    expect(sameRules([pods, nodes], [nodes, pods])).toBe(false);
  });
});

describe('the clusterrole-aggregation controller', () => {
  const store = useStore({ name: 'clusterrole-aggregation' });
  const api = useApiServer(store);
  const client = useInProcessController(api, clusterRoleAggregationController(), 'aggregation-test');

  const rulesOf = async (name: string): Promise<DeepReadonly<ClusterRole['rules']>> => (await client().get<ClusterRole>(CLUSTER_ROLES, undefined, name)).rules;

  it('fills an aggregated ClusterRole, then follows a changed and a deleted source role', async () => {
    await client().create(CLUSTER_ROLES, undefined, role('mon-pods', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }], { [AGG]: 'true' }));
    await client().create(CLUSTER_ROLES, undefined, role('mon-metrics', [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], { [AGG]: 'true' }));
    await client().create(CLUSTER_ROLES, undefined, role('monitoring', null, undefined, [{ [AGG]: 'true' }]));
    await waitFor(async () => ((await rulesOf('monitoring'))?.length === 2 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'monitoring aggregated' });
    expect(await rulesOf('monitoring')).toEqual([
      { verbs: ['get'], nonResourceURLs: ['/metrics'] },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    ]);

    const source = await client().get<ClusterRole>(CLUSTER_ROLES, undefined, 'mon-pods');
    await client().update(CLUSTER_ROLES, { ...source, rules: [{ verbs: ['watch'], apiGroups: [''], resources: ['pods'] }] });
    await waitFor(async () => ((await rulesOf('monitoring'))?.some((r) => r.verbs.includes('watch')) === true ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'monitoring follows mon-pods' });

    await client().delete(CLUSTER_ROLES, undefined, 'mon-metrics');
    await waitFor(async () => ((await rulesOf('monitoring'))?.length === 1 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'monitoring drops mon-metrics' });
  });
});
