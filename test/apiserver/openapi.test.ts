/**
 * The OpenAPI v3 documents of the served API: what kubectl reads from them (the kind of each path's
 * operations, the `fieldValidation` parameter of PATCH, the schemas explain walks) and their soundness (every
 * reference resolves, every served kind has a schema named by its group-version-kind).
 */
import { describe, expect, it } from 'vitest';
import { OpenApiDocuments, gvPath } from '../../src/apiserver/openapi.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';

type Doc = {
  paths: Record<string, Record<string, { 'x-kubernetes-group-version-kind'?: unknown; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> } }>>;
  components: { schemas: Record<string, { type?: string; format?: string; properties?: Record<string, unknown>; 'x-kubernetes-group-version-kind'?: unknown[] }> };
};

const registry = builtinRegistry();
const docs = new OpenApiDocuments(registry.resources);

function doc(key: string): Doc {
  const d = docs.document(key);
  expect(d, key).toBeDefined();
  return JSON.parse(d!.json) as Doc;
}

function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refs(x, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

describe('OpenAPI v3', () => {
  it('lists every served group version with a hashed URL, and serves each document under it', () => {
    const discovery = JSON.parse(docs.discovery()) as { paths: Record<string, { serverRelativeURL: string }> };
    const expected = [...new Set(registry.resources.map((r) => gvPath(r.group, r.version)))].sort();
    expect(Object.keys(discovery.paths).sort()).toEqual(expected);
    for (const key of expected) {
      const d = docs.document(key)!;
      expect(discovery.paths[key]!.serverRelativeURL).toBe(`/openapi/v3/${key}?hash=${d.hash}`);
      expect(d.hash).toMatch(/^[0-9A-F]{128}$/);
    }
    expect(docs.document('apis/nope/v1')).toBeUndefined();
  });

  it('gives each kind\'s PATCH operations its group-version-kind and the fieldValidation parameter, without strategic merge patch', () => {
    const core = doc('api/v1');
    const podPatch = core.paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch!;
    expect(podPatch['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Pod', version: 'v1' });
    expect(podPatch.parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    expect(Object.keys(podPatch.requestBody!.content)).toEqual(['application/json-patch+json', 'application/merge-patch+json']);
    expect(core.paths['/api/v1/nodes/{name}']!.get!['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Node', version: 'v1' });
    expect(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding']!.post!['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Binding', version: 'v1' });
    const apps = doc('apis/apps/v1');
    expect(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']!.patch!['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', kind: 'Scale', version: 'v1' });
    // The reviews are create-only: a collection POST and nothing else.
    const authz = doc('apis/authorization.k8s.io/v1');
    expect(Object.keys(authz.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews']!)).toEqual(['parameters', 'post']);
  });

  it('names each kind\'s schema by its group-version-kind, with the fields of the protobuf schema and inline members looked through', () => {
    const schemas = doc('api/v1').components.schemas;
    const pod = schemas['io.k8s.api.core.v1.Pod']!;
    expect(pod['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(Object.keys(pod.properties!).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(schemas['io.k8s.api.core.v1.PodSpec']!.properties!.containers).toEqual({ type: 'array', items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }], default: {} } });
    expect(schemas['io.k8s.api.core.v1.PodSpec']!.properties!.nodeSelector).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(schemas['io.k8s.api.core.v1.Volume']!.properties).toHaveProperty('emptyDir');
    // Only kinds embed TypeMeta: a template has metadata but no kind.
    expect(doc('apis/apps/v1').components.schemas['io.k8s.api.core.v1.PodTemplateSpec']!.properties).not.toHaveProperty('kind');
    expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toEqual({ type: 'string', format: 'date-time' });
    expect(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
  });

  it('resolves every reference of every document, and has a schema for every served kind', () => {
    for (const r of registry.resources) {
      const d = doc(gvPath(r.group, r.version));
      for (const ref of refs(d)) expect(d.components.schemas, ref).toHaveProperty([ref.replace('#/components/schemas/', '')]);
      const named = Object.values(d.components.schemas).filter((s) => (s['x-kubernetes-group-version-kind'] ?? []).some((g) => JSON.stringify(g) === JSON.stringify({ group: r.group, kind: r.kind, version: r.version })));
      expect(named.length, `${r.group}/${r.version} ${r.kind}`).toBe(1);
    }
  });
});
