/**
 * The rbac.authorization.k8s.io/v1 resources as kube-apiserver 1.32 serves them: discovery, the defaults of a
 * binding's roleRef and subjects, validation of rules, aggregation rules, bindings and subjects in kube's words,
 * path-segment names, the immutable roleRef, the binding printers, protobuf, and a create and update through the
 * REST handlers against a real store member.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClusterRole, ClusterRoleBinding, KubeObject, Role, RoleBinding } from '../../src/api/index.js';
import { StatusError } from '../../src/apiserver/errors.js';
import type { RestHandlers } from '../../src/apiserver/handlers.js';
import { decodeProtobufObject, encodeProtobufObject } from '../../src/apiserver/protobuf/index.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import type { RequestInfo } from '../../src/apiserver/request-info.js';
import type { ResourceType } from '../../src/apiserver/resource.js';
import { RBAC_V1 } from '../../src/apiserver/resources/rbac-v1.js';
import { tableConvertorFor } from '../../src/apiserver/tables/convertors.js';
import { useStore } from '../compat/helpers/store.js';
import { useRestHandlers } from './helpers/rest-handlers.js';

const GROUP = 'rbac.authorization.k8s.io';
const resource = (name: string): ResourceType => RBAC_V1.find((r) => r.resource === name)!;
const roles = resource('roles');
const clusterroles = resource('clusterroles');
const rolebindings = resource('rolebindings');
const clusterrolebindings = resource('clusterrolebindings');

/** createErrors runs obj through what the handler does on create (defaults, strategy) and returns the kind's messages. */
function createErrors(r: ResourceType, obj: KubeObject): string[] {
  r.defaults(obj);
  r.prepareForCreate(obj, { now: 0 });
  return r.validate(obj).map((e) => e.toString());
}

function role(rules: Role['rules']): Role {
  return { apiVersion: `${GROUP}/v1`, kind: 'Role', metadata: { name: 'reader', namespace: 'default' }, rules };
}

function binding(roleRef: Partial<NonNullable<RoleBinding['roleRef']>> | undefined, subjects: RoleBinding['subjects'] = []): RoleBinding {
  return { apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name: 'read', namespace: 'default' }, subjects, ...(roleRef === undefined ? {} : { roleRef: roleRef as RoleBinding['roleRef'] }) };
}

describe('rbac.authorization.k8s.io/v1 discovery', () => {
  it('serves clusterrolebindings, clusterroles, rolebindings and roles with every verb, the bindings and roles namespaced as kube', () => {
    const registry = builtinRegistry();
    expect(registry.apiGroup(GROUP)).toMatchObject({ name: GROUP, preferredVersion: { groupVersion: `${GROUP}/v1`, version: 'v1' } });
    const list = registry.apiResourceList(GROUP, 'v1')!;
    expect(list.resources.map((r) => [r.name, r.kind, r.namespaced])).toEqual([
      ['clusterrolebindings', 'ClusterRoleBinding', false],
      ['clusterroles', 'ClusterRole', false],
      ['rolebindings', 'RoleBinding', true],
      ['roles', 'Role', true],
    ]);
    for (const r of list.resources) expect(r.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  });
});

describe('rbac.authorization.k8s.io/v1 validation', () => {
  it('accepts resource rules and (cluster-wide) non-resource rules; names need only be path segments', () => {
    expect(createErrors(roles, role([{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]))).toEqual([]);
    expect(createErrors(roles, role(null))).toEqual([]);
    const cr: ClusterRole = { metadata: { name: 'system:metrics:Reader' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics', '/healthz/*'] }] };
    expect(createErrors(clusterroles, cr)).toEqual([]);
    expect(clusterroles.validateName('system:metrics:Reader', false)).toEqual([]);
    expect(clusterroles.validateName('a/b', false)).toEqual(["may not contain '/'"]);
    expect(roles.validateName('..', false)).toEqual(["may not be '..'"]);
  });

  it('refuses rules as ValidatePolicyRule does', () => {
    expect(createErrors(roles, role([{ verbs: [] }]))).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]);
    expect(createErrors(roles, role([{ verbs: ['get'], nonResourceURLs: ['/metrics'], resources: ['pods'] }]))).toEqual([
      'rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: namespaced rules cannot apply to non-resource URLs',
      'rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: rules cannot apply to both regular resources and non-resource URLs',
    ]);
  });

  it('checks a ClusterRole aggregationRule: at least one selector, each valid', () => {
    expect(createErrors(clusterroles, { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [] } } as ClusterRole)).toEqual([
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
    expect(createErrors(clusterroles, { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] } } as ClusterRole)).toEqual([]);
    const bad = createErrors(clusterroles, { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Near' }] }] } } as unknown as ClusterRole);
    expect(bad).toEqual([
      'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
      'aggregationRule.clusterRoleSelectors[0]: Invalid value: "null": invalid label selector.',
    ]);
    const selectors = [{ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }] }];
    expect(createErrors(clusterroles, { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: selectors } } as unknown as ClusterRole)).toEqual([
      "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "aggregationRule.clusterRoleSelectors[0].matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      // LabelSelectorAsSelector refuses both requirements too (labels.NewRequirement).
      'aggregationRule.clusterRoleSelectors[0]: Invalid value: "null": invalid label selector.',
    ]);
  });

  it('defaults roleRef.apiGroup and User and Group subjects to the RBAC group, and a ServiceAccount subject to none', () => {
    const b = binding({ kind: 'ClusterRole', name: 'view' }, [
      { kind: 'User', name: 'jane' },
      { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'robot', namespace: 'ci' },
    ]);
    expect(createErrors(rolebindings, b)).toEqual([]);
    expect(b.roleRef).toEqual({ apiGroup: GROUP, kind: 'ClusterRole', name: 'view' });
    expect(b.subjects!.map((s) => s.apiGroup)).toEqual([GROUP, GROUP, undefined]);
  });

  it('refuses bindings as ValidateRoleBinding and ValidateClusterRoleBinding do', () => {
    expect(createErrors(rolebindings, binding(undefined))).toEqual(['roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"', 'roleRef.name: Required value']);
    expect(createErrors(rolebindings, binding({ apiGroup: 'example.com', kind: 'Role', name: 'a/b' }))).toEqual([
      'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      "roleRef.name: Invalid value: \"a/b\": may not contain '/'",
    ]);
    const crb: ClusterRoleBinding = { metadata: { name: 'all' }, roleRef: { apiGroup: GROUP, kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }] };
    expect(createErrors(clusterrolebindings, crb)).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
    expect(
      createErrors(
        rolebindings,
        binding({ kind: 'Role', name: 'r' }, [
          { kind: 'ServiceAccount', name: 'Robot_1', apiGroup: 'v1' },
          { kind: 'User', name: 'jane', apiGroup: 'example.com' },
          { kind: 'Machine', name: 'm' },
          { kind: 'Group', name: '' },
        ]),
      ),
    ).toEqual([
      expect.stringMatching(/^subjects\[0\]\.name: Invalid value: "Robot_1": a lowercase RFC 1123 subdomain must consist of/),
      'subjects[0].apiGroup: Unsupported value: "v1": supported values: ""',
      'subjects[1].apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      'subjects[2].kind: Unsupported value: "Machine": supported values: "ServiceAccount", "User", "Group"',
      'subjects[3].name: Required value',
    ]);
  });

  it('refuses a change of roleRef on update, printing it as Go does', () => {
    const old = binding({ apiGroup: GROUP, kind: 'Role', name: 'a' });
    const changed = binding({ apiGroup: GROUP, kind: 'ClusterRole', name: 'view' });
    expect(rolebindings.validateUpdate(changed, old).map((e) => e.toString())).toEqual([
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
    ]);
    expect(rolebindings.validateUpdate(binding({ apiGroup: GROUP, kind: 'Role', name: 'a' }), old)).toEqual([]);
  });
});

describe('rbac.authorization.k8s.io/v1 printers and protobuf', () => {
  it('prints bindings as NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS; roles as NAME CREATED AT', () => {
    const printer = tableConvertorFor(GROUP, 'rolebindings');
    expect(printer.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Role', 0],
      ['Age', 0],
      ['Users', 1],
      ['Groups', 1],
      ['ServiceAccounts', 1],
    ]);
    const b = binding({ apiGroup: GROUP, kind: 'ClusterRole', name: 'edit' }, [
      { kind: 'User', name: 'jane' },
      { kind: 'User', name: 'joe' },
      { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'robot', namespace: 'ci' },
    ]);
    b.metadata.creationTimestamp = '2026-01-10T11:00:00Z';
    expect(printer.row(b, Date.UTC(2026, 0, 10, 12, 0, 0)).cells).toEqual(['read', 'ClusterRole/edit', '60m', 'jane, joe', 'devs', 'ci/robot']);
    expect(tableConvertorFor(GROUP, 'clusterrolebindings').columns[3]!.description).toBe('Users in the clusterRoleBinding');
    expect(tableConvertorFor(GROUP, 'roles').columns.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(tableConvertorFor(GROUP, 'clusterroles').columns.map((c) => c.name)).toEqual(['Name', 'Created At']);
  });

  it('round-trips every kind through protobuf, with kube JSON shapes for absent fields', () => {
    const cr: ClusterRole = {
      apiVersion: `${GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'monitoring', creationTimestamp: '2026-01-10T11:00:00Z' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { verbs: ['get'], nonResourceURLs: ['/metrics'] }],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'true' } }] },
    };
    expect(decodeProtobufObject(encodeProtobufObject(cr))).toEqual(cr);
    const crb: ClusterRoleBinding = {
      apiVersion: `${GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'monitoring', creationTimestamp: '2026-01-10T11:00:00Z' },
      subjects: [{ kind: 'ServiceAccount', name: 'prom', namespace: 'mon' }],
      roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: 'monitoring' },
    };
    expect(decodeProtobufObject(encodeProtobufObject(crb))).toEqual(crb);
    // Role.rules has no omitempty in Go: an empty list decodes to null.
    const empty = decodeProtobufObject(encodeProtobufObject({ apiVersion: `${GROUP}/v1`, kind: 'Role', metadata: { name: 'none', namespace: 'default' } } as Role)) as Role;
    expect(empty.rules).toBeNull();
  });
});

describe('rbac.authorization.k8s.io/v1 through the REST handlers', () => {
  const store = useStore({ name: 'rbac' });
  const rest = useRestHandlers(store, 13);
  const registry = builtinRegistry();
  let handlers: RestHandlers;
  beforeAll(() => {
    handlers = rest().handlers;
  });

  const info = (resourceName: string, namespace: string, name: string, verb: RequestInfo['verb']): RequestInfo => ({ verb, group: GROUP, version: 'v1', namespace, resource: resourceName, subresource: '', name });

  it('creates a missing Role on PUT, as kube\'s RBAC strategies allow', async () => {
    const rs = registry.lookup(GROUP, 'v1', 'roles')!;
    const put = await handlers.update(rs, info('roles', 'default', 'put-made', 'update'), { ...role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), metadata: { name: 'put-made', namespace: 'default' } });
    expect(put.code).toBe(201);
    expect((put.body as Role).metadata.uid).toBeTruthy();
  });

  it('creates a ClusterRole and a RoleBinding to it, keeps the binding roleRef, and refuses changing it with a 422', async () => {
    const crs = registry.lookup(GROUP, 'v1', 'clusterroles')!;
    const rbs = registry.lookup(GROUP, 'v1', 'rolebindings')!;
    const cr = (await handlers.create(crs, info('clusterroles', '', '', 'create'), { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] } as ClusterRole)).body as ClusterRole;
    expect(cr.metadata.uid).toBeTruthy();
    expect(cr.metadata.namespace).toBeUndefined();
    const created = (await handlers.create(rbs, info('rolebindings', 'default', '', 'create'), binding({ kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'User', name: 'jane' }]))).body as RoleBinding;
    expect(created.roleRef).toEqual({ apiGroup: GROUP, kind: 'ClusterRole', name: 'pod-reader' });
    expect(created.subjects).toEqual([{ kind: 'User', apiGroup: GROUP, name: 'jane' }]);

    const moreSubjects = (await handlers.update(rbs, info('rolebindings', 'default', 'read', 'update'), { ...created, subjects: [...created.subjects!, { kind: 'Group', name: 'devs' }] } as RoleBinding)).body as RoleBinding;
    expect(moreSubjects.subjects).toHaveLength(2);
    const err = await handlers.update(rbs, info('rolebindings', 'default', 'read', 'update'), { ...moreSubjects, roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: 'admin' } } as RoleBinding).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status.code).toBe(422);
    expect((err as StatusError).status.message).toBe(
      'RoleBinding.rbac.authorization.k8s.io "read" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"admin"}: cannot change roleRef',
    );
  });
});
