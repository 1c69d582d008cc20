/**
 * Real kubectl against the Table printers: an in-process HTTP server on a loopback port chosen by the kernel
 * serves legacy discovery and answers list and get requests through the same path an API server handler
 * takes (negotiateOutput → parseTableOptions → listToTable / objectToTable). kubectl's output is then
 * compared with what it prints against kube-apiserver. Skipped when kubectl is not installed, unless
 * CAPSTAN_COMPAT=required.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/api/apps-v1.js';
import type { Lease } from '../../../src/api/coordination-v1.js';
import type { ConfigMap, Event, Node, Pod, Service } from '../../../src/api/core-v1.js';
import type { KubeObject, WatchEvent } from '../../../src/api/meta-v1.js';
import { formatTime } from '../../../src/api/time.js';
import { tableConvertorFor } from '../../../src/apiserver/tables/convertors.js';
import { NotAcceptableError } from '../../../src/apiserver/tables/errors.js';
import { negotiateOutput } from '../../../src/apiserver/tables/negotiation.js';
import { asPartialObjectMetadata, asPartialObjectMetadataList, listToTable, objectToTable, parseTableOptions } from '../../../src/apiserver/tables/table.js';
import { WatchTransformer } from '../../../src/apiserver/tables/watch-transform.js';

function onPath(name: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const haveKubectl = onPath('kubectl');
const required = process.env['CAPSTAN_COMPAT'] === 'required';

// Ages of 20 and 90 minutes print as "20m" and "90m" for a whole minute either side of the request.
const created = (minutesAgo: number) => formatTime(Date.now() - minutesAgo * 60_000);

interface Resource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  objects: KubeObject[];
}

function pod(name: string, ns: string, phase: 'Running' | 'Pending', restarts: number): Pod {
  return {
    metadata: { name, namespace: ns, uid: `uid-${name}`, resourceVersion: '41', creationTimestamp: created(20) },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], nodeName: 'hollow-1' },
    status: {
      phase,
      podIP: phase === 'Running' ? '10.244.0.7' : '',
      containerStatuses: [
        {
          name: 'web',
          ready: phase === 'Running',
          restartCount: restarts,
          image: 'nginx:1.27',
          imageID: '',
          state: phase === 'Running' ? { running: {} } : { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    },
  };
}

const node: Node = {
  metadata: { name: 'hollow-1', resourceVersion: '7', creationTimestamp: created(90), labels: { 'node-role.kubernetes.io/control-plane': '' } },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: '6.1.0',
      osImage: 'capstan hollow node',
      containerRuntimeVersion: 'capstan://0.1.0',
      kubeletVersion: 'v1.32.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  },
};

const deployment: Deployment = {
  metadata: { name: 'web', namespace: 'default', resourceVersion: '30', creationTimestamp: created(90) },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
  status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
};

const service: Service = {
  metadata: { name: 'web', namespace: 'default', resourceVersion: '31', creationTimestamp: created(90) },
  spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }], selector: { app: 'web' } },
};

const event: Event = {
  metadata: { name: 'web-1.17f', namespace: 'default', resourceVersion: '50', creationTimestamp: created(20) },
  involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' },
  reason: 'Scheduled',
  message: 'Successfully assigned default/web-1 to hollow-1',
  source: { component: 'default-scheduler' },
  firstTimestamp: created(20),
  lastTimestamp: created(20),
  count: 1,
  type: 'Normal',
};

const configMap: ConfigMap = { metadata: { name: 'settings', namespace: 'default', resourceVersion: '5', creationTimestamp: created(90) }, data: { a: '1', b: '2' } };

const leases: Lease[] = [
  { metadata: { name: 'kube-scheduler', namespace: 'kube-system', resourceVersion: '60', creationTimestamp: created(90) }, spec: { holderIdentity: 'sched-a' } },
  { metadata: { name: 'hollow-1', namespace: 'kube-node-lease', resourceVersion: '61', creationTimestamp: created(90) }, spec: { holderIdentity: 'hollow-1' } },
];

/** podEvents is what a pod watch streams after the list: web-1 restarts, web-2 goes away. */
function podEvents(): WatchEvent[] {
  const restarted = pod('web-1', 'default', 'Running', 1);
  restarted.metadata.resourceVersion = '101';
  const gone = pod('web-2', 'default', 'Pending', 0);
  gone.metadata.resourceVersion = '102';
  gone.metadata.deletionTimestamp = created(0);
  return [
    { type: 'MODIFIED', object: restarted },
    { type: 'DELETED', object: gone },
  ];
}

const resources: Resource[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, objects: [pod('web-1', 'default', 'Running', 0), pod('web-2', 'default', 'Pending', 0)] },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, objects: [node] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, objects: [service] },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, objects: [event] },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, objects: [configMap] },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, objects: [] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, objects: [deployment] },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true, objects: leases },
];

function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(code, { 'Content-Type': contentType });
  res.end(JSON.stringify(body));
}

function discovery(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  if (path === '/apis') {
    const groups = [...new Set(resources.filter((r) => r.group !== '').map((r) => r.group))];
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((name) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } })),
    };
  }
  const gv = path === '/api/v1' ? '' : path.startsWith('/apis/') ? path.slice('/apis/'.length).replace(/\/v1$/, '') : undefined;
  if (gv === undefined) return undefined;
  const list = resources.filter((r) => r.group === gv);
  if (list.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv === '' ? 'v1' : `${gv}/v1`,
    resources: list.map((r) => ({
      name: r.resource,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ['get', 'list', 'watch'],
    })),
  };
}

/** requests records what kubectl asked for: path with query, and Accept header. */
const requests: { url: string; accept: string | undefined }[] = [];

/** serve answers like an API server handler: negotiate, then transform the list or object. */
function serve(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  requests.push({ url: req.url ?? '', accept: req.headers.accept });
  const disc = discovery(url.pathname);
  if (disc !== undefined) return send(res, 200, disc);
  const m = /^\/(?:api|apis\/([^/]+))\/v1(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
  const r = m === null ? undefined : resources.find((x) => x.group === (m[1] ?? '') && x.resource === m[3]);
  if (m === null || r === undefined) return send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  const [, , ns, , name] = m;
  const inScope = r.objects.filter((o) => ns === undefined || o.metadata.namespace === ns);
  const apiVersion = r.group === '' ? 'v1' : `${r.group}/v1`;
  try {
    const out = negotiateOutput(req.headers.accept);
    const now = Date.now();
    const convertor = tableConvertorFor(r.group, r.resource);
    const objectKind = { apiVersion, kind: r.kind };
    if (url.searchParams.get('watch') === 'true') {
      // One watch stream: every event goes through the same transformer; then the server ends the stream.
      const includeObject = out.target.kind === 'Table' ? parseTableOptions(url.searchParams).includeObject : 'Metadata';
      const w = new WatchTransformer({ target: out.target, convertor, includeObject, objectKind });
      res.writeHead(200, { 'Content-Type': out.mediaType, 'Transfer-Encoding': 'chunked' });
      for (const e of r.resource === 'pods' ? podEvents() : []) res.write(`${JSON.stringify(w.transform(e, now))}\n`);
      res.end();
      return;
    }
    if (name !== undefined) {
      const obj = inScope.find((o) => o.metadata.name === name);
      if (obj === undefined) return send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
      if (out.target.kind === 'Table') {
        const { includeObject } = parseTableOptions(url.searchParams);
        return send(res, 200, objectToTable(convertor, obj, { now, version: out.target.version, includeObject, objectKind }));
      }
      if (out.target.kind === 'PartialObjectMetadata') return send(res, 200, asPartialObjectMetadata(obj, out.target.version));
      return send(res, 200, { kind: r.kind, apiVersion, ...obj });
    }
    const list = { kind: `${r.kind}List`, apiVersion, metadata: { resourceVersion: '100' }, items: inScope };
    if (out.target.kind === 'Table') {
      const { includeObject } = parseTableOptions(url.searchParams);
      return send(res, 200, listToTable(convertor, list, { now, version: out.target.version, includeObject, objectKind }));
    }
    if (out.target.kind === 'PartialObjectMetadataList') return send(res, 200, asPartialObjectMetadataList(list, out.target.version));
    return send(res, 200, list);
  } catch (err) {
    if (err instanceof NotAcceptableError) return send(res, 406, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: err.message, reason: 'NotAcceptable', code: 406 });
    throw err;
  }
}

let server: Server | undefined;
let base = '';
let cacheDir = '';

function kubectl(...args: string[]): Promise<string> {
  return kubectlRun(args).then(({ code, stdout, stderr }) => {
    if (code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${code}\n${stderr}`);
    return stdout;
  });
}

/** kubectlRun runs kubectl against the test server and reports its exit code and output. */
function kubectlRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      [`--server=${base}`, `--cache-dir=${cacheDir}`, '--kubeconfig=/dev/null', ...args],
      { timeout: 30_000, env: { ...process.env, KUBECONFIG: '' } },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
    );
  });
}

/** table splits kubectl's aligned output into cells (columns are separated by at least two spaces). */
function table(out: string): string[][] {
  return out
    .trimEnd()
    .split('\n')
    .map((line) => line.trimEnd().split(/ {2,}/));
}

describe.skipIf(!haveKubectl && !required)('kubectl get against the Table printers', () => {
  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'capstan-kubectl-'));
    server = createServer(serve);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no address');
    base = `http://127.0.0.1:${addr.port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    if (cacheDir !== '') rmSync(cacheDir, { recursive: true, force: true });
  });

  it('prints pods', async () => {
    requests.length = 0;
    expect(table(await kubectl('get', 'pods', '-n', 'default'))).toEqual([
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['web-1', '1/1', 'Running', '0', '20m'],
      ['web-2', '0/1', 'ContainerCreating', '0', '20m'],
    ]);
    expect(requests.find((r) => r.url.startsWith('/api/v1/namespaces/default/pods'))).toEqual({
      url: '/api/v1/namespaces/default/pods?limit=500',
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    });
  });

  it('prints pods wide, and one pod by name', async () => {
    expect(table(await kubectl('get', 'pods', '-n', 'default', '-o', 'wide'))).toEqual([
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
      ['web-1', '1/1', 'Running', '0', '20m', '10.244.0.7', 'hollow-1', '<none>', '<none>'],
      ['web-2', '0/1', 'ContainerCreating', '0', '20m', '<none>', 'hollow-1', '<none>', '<none>'],
    ]);
    expect(table(await kubectl('get', 'pod', 'web-1', '-n', 'default', '--no-headers'))).toEqual([['web-1', '1/1', 'Running', '0', '20m']]);
  });

  it('prints nodes, deployments and services', async () => {
    expect(table(await kubectl('get', 'nodes'))).toEqual([
      ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
      ['hollow-1', 'Ready', 'control-plane', '90m', 'v1.32.0'],
    ]);
    expect(table(await kubectl('get', 'deployments', '-n', 'default'))).toEqual([
      ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
      ['web', '2/3', '3', '2', '90m'],
    ]);
    expect(table(await kubectl('get', 'services', '-n', 'default', '-o', 'wide'))).toEqual([
      ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR'],
      ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP', '90m', 'app=web'],
    ]);
  });

  it('prints events and config maps', async () => {
    expect(table(await kubectl('get', 'events', '-n', 'default'))).toEqual([
      ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
      ['20m', 'Normal', 'Scheduled', 'pod/web-1', 'Successfully assigned default/web-1 to hollow-1'],
    ]);
    expect(table(await kubectl('get', 'configmaps', '-n', 'default'))).toEqual([
      ['NAME', 'DATA', 'AGE'],
      ['settings', '2', '90m'],
    ]);
  });

  it('says there is nothing for an empty list', async () => {
    const { code, stdout, stderr } = await kubectlRun(['get', 'secrets', '-n', 'default']);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
  });

  it('adds the NAMESPACE column from the embedded metadata with --all-namespaces', async () => {
    expect(table(await kubectl('get', 'leases', '-A'))).toEqual([
      ['NAMESPACE', 'NAME', 'HOLDER', 'AGE'],
      ['kube-system', 'kube-scheduler', 'sched-a', '90m'],
      ['kube-node-lease', 'hollow-1', 'hollow-1', '90m'],
    ]);
  });

  it('sorts with --sort-by, which asks for full objects (includeObject=Object)', async () => {
    requests.length = 0;
    expect(table(await kubectl('get', 'leases', '-A', '--sort-by=.spec.holderIdentity'))).toEqual([
      ['NAMESPACE', 'NAME', 'HOLDER', 'AGE'],
      ['kube-node-lease', 'hollow-1', 'hollow-1', '90m'],
      ['kube-system', 'kube-scheduler', 'sched-a', '90m'],
    ]);
    expect(requests.map((r) => r.url)).toContain('/apis/coordination.k8s.io/v1/leases?includeObject=Object');
  });

  it('prints a watch: one header, then one row per event (headers only on the first event)', async () => {
    requests.length = 0;
    // The server ends the watch after its events; kubectl then stops (and may report the closed watch).
    const { stdout } = await kubectlRun(['get', 'pods', '-n', 'default', '--watch']);
    expect(table(stdout)).toEqual([
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['web-1', '1/1', 'Running', '0', '20m'],
      ['web-2', '0/1', 'ContainerCreating', '0', '20m'],
      ['web-1', '1/1', 'Running', '1', '20m'],
      ['web-2', '0/1', 'Terminating', '0', '20m'],
    ]);
    const watch = requests.find((r) => r.url.includes('watch=true'));
    expect(watch?.url).toBe('/api/v1/namespaces/default/pods?resourceVersion=100&watch=true');
    expect(watch?.accept).toBe('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json');
  });

  it('prints watch events with --output-watch-events', async () => {
    const { stdout } = await kubectlRun(['get', 'pods', '-n', 'default', '--watch-only', '--output-watch-events']);
    expect(table(stdout)).toEqual([
      ['EVENT', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['MODIFIED', 'web-1', '1/1', 'Running', '1', '20m'],
      ['DELETED', 'web-2', '0/1', 'Terminating', '0', '20m'],
    ]);
  });
});
