/**
 * kubectl 1.32's typed commands (`create namespace|configmap|secret|deployment`) send their bodies as
 * `application/vnd.kubernetes.protobuf` and prefer protobuf answers (kubectl 1.20, when present, runs the same
 * commands, some of them in JSON): against a real `capstan apiserver` over a
 * real store, each is accepted, answered in protobuf, and the object reads back as JSON with everything
 * kubectl would have sent as JSON (`--dry-run=client -o json` prints exactly that). Client-go's protobuf paths
 * beyond kubectl (a protobuf GET, a protobuf watch stream, the scale subresource in protobuf, the errors) are
 * driven over plain HTTP with the codec's decoder.
 *
 * `kubectl scale` is not among the commands: kubectl 1.32's scale client speaks JSON (and, without
 * --resource-version, PATCHes /scale), so it exercises no protobuf.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Status, WatchEvent } from '../../src/api/index.js';
import {
  decodeProtobufObject,
  decodeProtobufWatchEvent,
  encodeProtobufObject,
  PROTOBUF_MAGIC,
  PROTOBUF_MEDIA_TYPE,
} from '../../src/apiserver/protobuf/index.js';
import { EtcdClient } from '../../src/store/client/index.js';
import { kubectl, kubectlPaths, useApiServer } from '../apiserver/helpers/apiserver.js';
import { compatRequired } from './helpers/tools.js';
import { useStore } from './helpers/store.js';
import { AsyncQueue } from './helpers/wait.js';

const binaries = kubectlPaths().filter((b) => b.path !== undefined);

it.runIf(compatRequired())('kubectl-protobuf: kubectl is installed (CAPSTAN_COMPAT=required)', () => {
  expect(binaries.map((b) => b.name)).toContain('kubectl (PATH)');
});

const store = useStore({ name: 'kubectl-protobuf' });
const api = useApiServer(store);

/** expectContains checks that every non-null value of expected is in actual (server defaults may add more). */
function expectContains(actual: unknown, expected: unknown, path = ''): void {
  if (expected === null || expected === undefined) return;
  // Go writes empty value structs (`"status": {}`); capstan may leave them out: nothing is lost either way.
  if (typeof expected === 'object' && !Array.isArray(expected) && Object.keys(expected).length === 0) return;
  if (typeof expected !== 'object') {
    expect(actual, path).toEqual(expected);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectContains((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  expect(typeof actual === 'object' && actual !== null, `${path} is an object`).toBe(true);
  for (const [k, v] of Object.entries(expected)) expectContains((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
}

async function request(method: string, path: string, accept: string, body?: Buffer, contentType = PROTOBUF_MEDIA_TYPE): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(`${api().url}${path}`, { method, headers: { accept, ...(body === undefined ? {} : { 'content-type': contentType }) }, ...(body === undefined ? {} : { body }) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

const PB_FIRST = `${PROTOBUF_MEDIA_TYPE},application/json`;

describe.each(binaries)('$name', ({ name, path }) => {
  const ns = name.includes('1.20') ? 'protobuf-old' : 'protobuf-new';
  const k = (args: readonly string[]): ReturnType<typeof kubectl> => kubectl(path!, api().url, args);
  const ok = (args: readonly string[]): string => {
    const r = k(args);
    expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const getJson = async (p: string): Promise<KubeObject & Record<string, unknown>> => {
    const r = await request('GET', p, 'application/json');
    expect(r.status, r.body.toString()).toBe(200);
    return JSON.parse(r.body.toString('utf8')) as KubeObject & Record<string, unknown>;
  };

  it('kubectl create namespace sends protobuf (kubectl 1.32; 1.20 sends JSON) and gets protobuf back', async () => {
    const sent = JSON.parse(ok(['create', 'namespace', ns, '--dry-run=client', '-o', 'json'])) as unknown;
    const r = k(['create', 'namespace', ns, '-v=8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`namespace/${ns} created\n`);
    expect(r.stderr).toMatch(/Response Status: 201 Created/);
    if (!name.includes('1.20')) {
      // -v=8 prints the request's and the response's headers: both bodies were protobuf.
      expect(r.stderr.match(/Content-Type: application\/vnd\.kubernetes\.protobuf/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    }
    expectContains(await getJson(`/api/v1/namespaces/${ns}`), sent);
  });

  const commands: readonly { what: string; args: (ns: string) => string[]; path: (ns: string) => string }[] = [
    {
      what: 'a configmap from literals',
      args: (n) => ['create', 'configmap', 'settings', '-n', n, '--from-literal=level=info', '--from-literal=greeting=hello world'],
      path: (n) => `/api/v1/namespaces/${n}/configmaps/settings`,
    },
    {
      what: 'a generic secret from literals',
      args: (n) => ['create', 'secret', 'generic', 'db', '-n', n, '--from-literal=user=admin', '--from-literal=password=p@ss w0rd'],
      path: (n) => `/api/v1/namespaces/${n}/secrets/db`,
    },
    {
      what: 'a ClusterIP service (an IntOrString targetPort)',
      args: (n) => ['create', 'service', 'clusterip', 'web', '-n', n, '--tcp=80:8080', '--tcp=443:https'],
      path: (n) => `/api/v1/namespaces/${n}/services/web`,
    },
    {
      what: 'a service account',
      args: (n) => ['create', 'serviceaccount', 'robot', '-n', n],
      path: (n) => `/api/v1/namespaces/${n}/serviceaccounts/robot`,
    },
    {
      what: 'a deployment from an image',
      args: (n) => ['create', 'deployment', 'web', '-n', n, '--image=nginx:1.25', '--replicas=2', '--port=80'],
      path: (n) => `/apis/apps/v1/namespaces/${n}/deployments/web`,
    },
  ];

  it.each(commands)('kubectl creates $what; it reads back as JSON with everything kubectl sent', async ({ args, path: p }) => {
    const sent = JSON.parse(ok([...args(ns), '--dry-run=client', '-o', 'json'])) as Record<string, unknown>;
    ok(args(ns));
    const stored = await getJson(p(ns));
    expectContains(stored, sent);
    if ('data' in sent) expect(stored['data']).toEqual(sent['data']);
    // The same object in protobuf is the same object.
    const pb = await request('GET', p(ns), PB_FIRST);
    expect(pb.type).toBe(PROTOBUF_MEDIA_TYPE);
    expect(pb.body.subarray(0, 4).equals(PROTOBUF_MAGIC)).toBe(true);
    expect(decodeProtobufObject(pb.body)).toEqual(decodeProtobufObject(encodeProtobufObject(stored)));
  });

  it('kubectl describe reads the deployment, its events and its replica sets through protobuf lists and gets', () => {
    const r = k(['describe', 'deployment', 'web', '-n', ns, '-v=8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+web$/m);
    expect(r.stdout).toMatch(/Image:\s+nginx:1\.25/);
    expect(r.stdout).toMatch(/Replicas:\s+2 desired/);
    if (!name.includes('1.20')) {
      const protobufAnswers = r.stderr.split('\n').filter((l) => /Content-Type: application\/vnd\.kubernetes\.protobuf/.test(l)).length;
      // The typed get of the deployment, the event list and the replica set list.
      expect(protobufAnswers).toBeGreaterThanOrEqual(3);
    }
  });

  it('kubectl get still gets JSON tables, and a second create answers AlreadyExists from a protobuf Status', () => {
    expect(ok(['get', 'configmaps', '-n', ns])).toMatch(/\nsettings\s+/);
    const again = k(['create', 'configmap', 'settings', '-n', ns, '--from-literal=a=b']);
    expect(again.code).not.toBe(0);
    // kubectl 1.32 wraps the error of `create configmap`; the message is the one in the protobuf Status.
    expect(again.stderr).toMatch(/^(error: failed to create configmap|Error from server \(AlreadyExists\)): configmaps "settings" already exists$/m);
  });

  it('kubectl auth can-i and auth whoami are answered through the reviews (protobuf from kubectl 1.32)', () => {
    const can = k(['auth', 'can-i', 'create', 'pods', '-n', ns, '-v=8']);
    expect(can.code, can.stderr).toBe(0);
    expect(can.stdout).toBe('yes\n');
    expect(can.stderr).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews/);
    expect(can.stderr).toMatch(/Response Status: 201 Created/);
    if (!name.includes('1.20')) expect(can.stderr.match(/Content-Type: application\/vnd\.kubernetes\.protobuf/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    // --list: one rule for everything, as kube's AlwaysAllow authorizer enumerates it.
    const rules = ok(['auth', 'can-i', '--list', '-n', ns]).split('\n');
    expect(rules[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(rules.some((l) => /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/.test(l))).toBe(true);
    if (name.includes('1.20')) return; // whoami came in kubectl 1.26
    // The insecure port's requests are kube-apiserver's old insecure superuser's.
    const who = ok(['auth', 'whoami']);
    expect(who).toMatch(/^Username\s+system:unsecured$/m);
    expect(who).toMatch(/^Groups\s+\[system:masters system:authenticated\]$/m);
    // --as and --as-group impersonate (everyone may: AlwaysAllow); the impersonated user is authenticated.
    const jane = ok(['auth', 'whoami', '--as=jane', '--as-group=dev', '--as-uid=u-1']);
    expect(jane).toMatch(/^Username\s+jane$/m);
    expect(jane).toMatch(/^UID\s+u-1$/m);
    expect(jane).toMatch(/^Groups\s+\[dev system:authenticated\]$/m);
    const sa = ok(['auth', 'whoami', `--as=system:serviceaccount:${ns}:robot`]);
    expect(sa).toMatch(new RegExp(`^Groups\\s+\\[system:serviceaccounts system:serviceaccounts:${ns} system:authenticated\\]$`, 'm'));
    expect(ok(['auth', 'can-i', 'delete', 'nodes', '--as=jane'])).toBe('yes\n');
    const groupOnly = k(['auth', 'whoami', '--as-group=dev']);
    expect(groupOnly.code).not.toBe(0);
    expect(groupOnly.stderr).toContain('without impersonating a user');
  });
});

describe('client-go protobuf paths over HTTP', () => {
  const ns = 'protobuf-http';

  beforeAll(async () => {
    const body = encodeProtobufObject({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: ns } });
    expect((await request('POST', '/api/v1/namespaces', PB_FIRST, body)).status).toBe(201);
  });

  it('streams a watch as length-prefixed protobuf frames', async () => {
    const controller = new AbortController();
    const res = await fetch(`${api().url}/api/v1/namespaces/${ns}/configmaps?watch=true&timeoutSeconds=30`, { headers: { accept: PB_FIRST }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('application/vnd.kubernetes.protobuf;stream=watch');
    const events = new AsyncQueue<WatchEvent<KubeObject>>((items) => items.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`).join('\n'));
    const pump = (async (): Promise<void> => {
      let buf = Buffer.alloc(0);
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          buf = Buffer.concat([buf, chunk]);
          while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
            const n = buf.readUInt32BE(0);
            events.push(decodeProtobufWatchEvent(buf.subarray(4, 4 + n)));
            buf = buf.subarray(4 + n);
          }
        }
        events.end(new Error('the watch ended'));
      } catch (err) {
        events.end(err as Error);
      }
    })();
    try {
      const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'watched', namespace: ns, labels: { app: 'x' } }, data: { k: 'v' } };
      const created = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, PB_FIRST, encodeProtobufObject(cm));
      expect(created.status, created.body.toString()).toBe(201);
      const ev = await events.shift(20_000, 'an ADDED event for configmap watched');
      expect(ev.type).toBe('ADDED');
      expect(ev.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'watched', namespace: ns, labels: { app: 'x' } }, data: { k: 'v' } });
      const rv = (ev.object as KubeObject).metadata.resourceVersion;
      expect(rv).toMatch(/^\d+$/);
      const updated = { ...cm, metadata: { ...cm.metadata, resourceVersion: rv }, data: { k: 'w' } };
      expect((await request('PUT', `/api/v1/namespaces/${ns}/configmaps/watched`, PB_FIRST, encodeProtobufObject(updated))).status).toBe(200);
      const mod = await events.shift(20_000, 'a MODIFIED event for configmap watched');
      expect(mod.type).toBe('MODIFIED');
      expect((mod.object as KubeObject & { data: unknown }).data).toEqual({ k: 'w' });
    } finally {
      controller.abort();
      await pump;
    }
  });

  it('reads and writes the scale subresource in protobuf', async () => {
    const dep = {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'scaled', namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: 's' } }, template: { metadata: { labels: { app: 's' } }, spec: { containers: [{ name: 'c', image: 'pause' }] } } },
    };
    expect((await request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, PB_FIRST, encodeProtobufObject(dep))).status).toBe(201);
    const got = await request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/scaled/scale`, PB_FIRST);
    expect(got.type).toBe(PROTOBUF_MEDIA_TYPE);
    const scale = decodeProtobufObject(got.body) as KubeObject & { spec: { replicas: number }; status: { selector: string } };
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { selector: 'app=s' } });
    const put = await request('PUT', `/apis/apps/v1/namespaces/${ns}/deployments/scaled/scale`, PB_FIRST, encodeProtobufObject({ ...scale, spec: { replicas: 4 } }));
    expect(put.status, put.body.toString()).toBe(200);
    expect(decodeProtobufObject(put.body)).toMatchObject({ kind: 'Scale', spec: { replicas: 4 } });
    expect((await getJson(`/apis/apps/v1/namespaces/${ns}/deployments/scaled`)).spec).toMatchObject({ replicas: 4 });
  });

  it('answers errors as protobuf Status: 415 for a kind without a schema, 400 for a malformed body, 404 as client-go expects', async () => {
    const statusOf = (r: { type: string; body: Buffer }): Status => {
      expect(r.type).toBe(PROTOBUF_MEDIA_TYPE);
      return decodeProtobufObject(r.body) as Status;
    };
    // networking.k8s.io/v1 Ingress: a kind capstan has no schema for.
    const ingress = Buffer.concat([PROTOBUF_MAGIC, Buffer.from('0a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e67726573731200', 'hex')]);
    const s415 = statusOf(await request('POST', `/api/v1/namespaces/${ns}/configmaps`, PB_FIRST, ingress));
    expect(s415).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'UnsupportedMediaType', code: 415 });
    const s400 = statusOf(await request('POST', `/api/v1/namespaces/${ns}/configmaps`, PB_FIRST, Buffer.from('not protobuf')));
    expect(s400).toMatchObject({ reason: 'BadRequest', code: 400 });
    const s404 = statusOf(await request('GET', `/api/v1/namespaces/${ns}/configmaps/nope`, PB_FIRST));
    expect(s404).toMatchObject({ reason: 'NotFound', code: 404, message: 'configmaps "nope" not found', details: { name: 'nope', kind: 'configmaps' } });
  });

  it('deletes with a protobuf DeleteOptions body, preconditions included', async () => {
    const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'doomed', namespace: ns } };
    const created = decodeProtobufObject((await request('POST', `/api/v1/namespaces/${ns}/configmaps`, PB_FIRST, encodeProtobufObject(cm))).body);
    const uid = created.metadata.uid!;
    const wrong = await request('DELETE', `/api/v1/namespaces/${ns}/configmaps/doomed`, PB_FIRST, encodeProtobufObject({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } }));
    expect(wrong.status).toBe(409);
    expect(decodeProtobufObject(wrong.body)).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    const right = await request('DELETE', `/api/v1/namespaces/${ns}/configmaps/doomed`, PB_FIRST, encodeProtobufObject({ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid } }));
    expect(right.status, right.body.toString()).toBe(200);
    expect((await request('GET', `/api/v1/namespaces/${ns}/configmaps/doomed`, 'application/json')).status).toBe(404);
  });

  it('drops the fields a JSON client writes outside the schema (kube\'s pruning), so the object has a protobuf form', async () => {
    const odd = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'pruned', namespace: ns }, data: { a: '1' }, extension: { written: 'by a JSON client' } };
    const created = await fetch(`${api().url}/api/v1/namespaces/${ns}/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(odd) });
    expect(created.status).toBe(201);
    expect(created.headers.get('warning')).toBe('299 - "unknown field \\"extension\\""');
    expect(await created.json()).not.toHaveProperty('extension');
    const got = await request('GET', `/api/v1/namespaces/${ns}/configmaps/pruned`, PROTOBUF_MEDIA_TYPE);
    expect(got.status).toBe(200);
    expect(decodeProtobufObject(got.body)).toMatchObject({ kind: 'ConfigMap', data: { a: '1' } });
  });

  it('answers JSON for an object stored with fields outside the protobuf schema, or 406 when only protobuf is accepted', async () => {
    // Written to the store directly, as a capstan before pruning kept what JSON clients sent.
    const etcd = new EtcdClient({ endpoints: [store().endpoint] });
    try {
      const odd = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'odd', namespace: ns, uid: 'u-odd', creationTimestamp: '2026-01-01T00:00:00Z' }, data: { a: '1' }, extension: { written: 'by a JSON client' } };
      await etcd.put(`/registry/configmaps/${ns}/odd`, JSON.stringify(odd));
    } finally {
      etcd.close();
    }
    const fallback = await request('GET', `/api/v1/namespaces/${ns}/configmaps/odd`, PB_FIRST);
    expect(fallback.type).toMatch(/^application\/json/);
    expect(JSON.parse(fallback.body.toString())).toMatchObject({ extension: { written: 'by a JSON client' } });
    const refused = await request('GET', `/api/v1/namespaces/${ns}/configmaps/odd`, PROTOBUF_MEDIA_TYPE);
    expect(refused.status).toBe(406);
    expect(decodeProtobufObject(refused.body)).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
    // A protobuf watch cannot switch to JSON midway: the object goes out without the unknown field.
    const watched = await request('GET', `/api/v1/namespaces/${ns}/configmaps?watch=true&fieldSelector=metadata.name%3Dodd&timeoutSeconds=1`, PB_FIRST);
    expect(watched.type).toBe('application/vnd.kubernetes.protobuf;stream=watch');
    const n = watched.body.readUInt32BE(0);
    const ev = decodeProtobufWatchEvent(watched.body.subarray(4, 4 + n));
    expect(ev).toMatchObject({ type: 'ADDED', object: { kind: 'ConfigMap', metadata: { name: 'odd' }, data: { a: '1' } } });
    expect(ev.object).not.toHaveProperty('extension');
    // A patch reads the stored object as its schema has it: the old field goes, the patch is not refused.
    const patched = await fetch(`${api().url}/api/v1/namespaces/${ns}/configmaps/odd?fieldValidation=Strict`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: '{"data":{"b":"2"}}' });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ data: { a: '1', b: '2' } });
    expect((await request('GET', `/api/v1/namespaces/${ns}/configmaps/odd`, PROTOBUF_MEDIA_TYPE)).status).toBe(200);
  });

  it('keeps discovery in JSON', async () => {
    const r = await request('GET', '/api/v1', PB_FIRST);
    expect(r.type).toMatch(/^application\/json/);
    expect((JSON.parse(r.body.toString()) as { kind: string }).kind).toBe('APIResourceList');
  });
});

function getJson(p: string): Promise<KubeObject & Record<string, unknown>> {
  return request('GET', p, 'application/json').then((r) => {
    expect(r.status, r.body.toString()).toBe(200);
    return JSON.parse(r.body.toString('utf8')) as KubeObject & Record<string, unknown>;
  });
}
