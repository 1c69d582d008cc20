/**
 * Real kubectl against capstan apiserver (over a capstan store): the kubectl on PATH (1.32 here) and
 * kubectl 1.20 from Debian's kubernetes-client (CAPSTAN_KUBECTL_120, unpacked by .ci/run). Each binary gets
 * its own namespace; outputs and errors are checked as kubectl prints them.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compatRequired } from './helpers/tools.js';
import { useStore } from './helpers/store.js';
import { AsyncQueue } from './helpers/wait.js';
import type { Pod, PodDisruptionBudget, ResourceQuota } from '../../src/api/index.js';
import { kubectl, kubectlPaths, useApiServer } from '../apiserver/helpers/apiserver.js';
import { rest } from '../apiserver/helpers/rest.js';

const binaries = kubectlPaths();

it.runIf(compatRequired())('kubectl: both kubectl binaries are installed (CAPSTAN_COMPAT=required)', () => {
  expect(binaries.filter((b) => b.path === undefined).map((b) => b.name)).toEqual([]);
});

const store = useStore({ name: 'kubectl' });
const api = useApiServer(store);

const deploymentYaml = (ns: string, image = 'nginx:1.25', replicas = 2): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports: [{containerPort: 80}]
`;

describe.each(binaries.filter((b) => b.path !== undefined))('$name', ({ name, path }) => {
  const ns = name.includes('1.20') ? 'kubectl-old' : 'kubectl-new';
  const k = (args: readonly string[], stdin?: string): ReturnType<typeof kubectl> => kubectl(path!, api().url, args, stdin);
  const ok = (args: readonly string[], stdin?: string): string => {
    const r = k(args, stdin);
    expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };

  it('creates a namespace and a deployment from YAML, and gets them in every output format', () => {
    expect(ok(['create', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`)).toBe(`namespace/${ns} created\n`);
    expect(ok(['create', '-f', '-'], deploymentYaml(ns))).toBe('deployment.apps/web created\n');
    // Server-side printing: kubectl's usual columns come from the Table the API server returns.
    const table = ok(['get', 'deployments', '-n', ns]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(table).toMatch(/\nweb\s+0\/2\s+0\s+0\s+\d+s\n/);
    expect(ok(['get', 'deploy', '-n', ns, '-o', 'wide']).split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    ok(['create', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: lone\n  namespace: ${ns}\nspec:\n  containers: [{name: c, image: busybox}]\n`);
    expect(ok(['get', 'pods', '-n', ns])).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nlone\s+0\/1\s+Pending\s+0\s+\d+s\n$/);
    expect(ok(['get', 'namespaces', ns])).toMatch(/^NAME\s+STATUS\s+AGE\nkubectl-(old|new)\s+Active\s+\d+s\n$/);
    const json = JSON.parse(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'json'])) as { kind: string; spec: { replicas: number }; metadata: { resourceVersion: string } };
    expect(json.kind).toBe('Deployment');
    expect(json.spec.replicas).toBe(2);
    expect(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'yaml'])).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\n/);
    expect(ok(['get', 'deploy', '-n', ns, '-o', 'name'])).toBe('deployment.apps/web\n');
    expect(ok(['get', 'ns', ns, '-o', 'jsonpath={.status.phase}'])).toBe('Active');
  });

  it('describes a deployment', () => {
    const out = ok(['describe', 'deployment', 'web', '-n', ns]);
    expect(out).toMatch(/^Name:\s+web$/m);
    expect(out).toMatch(/^Namespace:\s+kubectl-(old|new)$/m);
    expect(out).toMatch(/Image:\s+nginx:1\.25/);
  });

  it('answers a second create with AlreadyExists and a stale replace with Conflict, as kube-apiserver words them', () => {
    const again = k(['create', '-f', '-'], deploymentYaml(ns));
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('Error from server (AlreadyExists)');
    expect(again.stderr).toContain('deployments.apps "web" already exists');
    const current = JSON.parse(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'json'])) as { metadata: { resourceVersion: string } };
    const stale = JSON.parse(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'json'])) as { metadata: { resourceVersion: string }; spec: { replicas: number } };
    const fresh = { ...stale, spec: { ...stale.spec, replicas: 3 } };
    ok(['replace', '-f', '-'], JSON.stringify(fresh));
    stale.metadata.resourceVersion = current.metadata.resourceVersion;
    stale.spec.replicas = 4;
    const conflict = k(['replace', '-f', '-'], JSON.stringify(stale));
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Error from server (Conflict)');
    expect(conflict.stderr).toContain('Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
    expect(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
  });

  it('reports a missing object as NotFound', () => {
    const r = k(['get', 'configmap', 'nope', '-n', ns]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (NotFound): configmaps "nope" not found');
  });

  it('watches with get -w: a new object shows up as a row', async () => {
    const child = spawn(path!, [`--server=${api().url}`, 'get', 'configmaps', '-n', ns, '-w', '--request-timeout=0'], { env: { ...process.env, KUBECONFIG: '/dev/null' } });
    const lines = new AsyncQueue<string>((items) => items.join('\n'));
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    child.once('exit', () => lines.end(new Error('kubectl get -w exited')));
    try {
      // kubectl prints nothing (or "No resources found" on stderr) until the first object appears.
      ok(['create', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: ${ns}\ndata:\n  a: "1"\n`);
      for (;;) {
        const line = await lines.shift(20_000, 'a row for configmap watched');
        if (/^watched\s+/.test(line)) break;
      }
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('applies: creates, then configures a changed manifest, and a second identical apply is unchanged', () => {
    const manifest = (image: string): string => deploymentYaml(ns, image, 2).replace(/name: web\n/, 'name: api\n').replace(/app: web/g, 'app: api');
    expect(ok(['apply', '-f', '-'], manifest('nginx:1.25'))).toBe('deployment.apps/api created\n');
    expect(ok(['apply', '-f', '-'], manifest('nginx:1.26'))).toBe('deployment.apps/api configured\n');
    expect(ok(['apply', '-f', '-'], manifest('nginx:1.26'))).toBe('deployment.apps/api unchanged\n');
    expect(ok(['get', 'deploy', 'api', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}'])).toBe('nginx:1.26 2');
  });

  it('labels, annotates, and patches with all three patch types', () => {
    expect(ok(['label', 'deployment', 'web', '-n', ns, 'tier=frontend'])).toBe('deployment.apps/web labeled\n');
    expect(ok(['annotate', 'deployment', 'web', '-n', ns, 'note=hello'])).toBe('deployment.apps/web annotated\n');
    expect(ok(['patch', 'deployment', 'web', '-n', ns, '--type', 'merge', '-p', '{"spec":{"replicas":5}}'])).toBe('deployment.apps/web patched\n');
    expect(ok(['patch', 'deployment', 'web', '-n', ns, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]'])).toBe('deployment.apps/web patched\n');
    expect(ok(['patch', 'deployment', 'web', '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}'])).toBe('deployment.apps/web patched\n');
    const got = ok(['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.metadata.labels.tier} {.metadata.annotations.note} {.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}']);
    expect(got).toBe('frontend hello 4 nginx:1.27 80');
    const bad = k(['patch', 'deployment', 'web', '-n', ns, '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":99}]']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The request is invalid');
  });

  it('validates fields on the server: 1.32 refuses a misspelt field (and with --validate=warn drops it with a warning), 1.20 is warned', () => {
    const typo = deploymentYaml(ns).replace(/name: web\n/, 'name: typo\n').replace(/app: web/g, 'app: typo').replace('image: nginx:1.25', 'image: nginx:1.25\n        imagePullPolicyy: Always');
    const problem = 'unknown field "spec.template.spec.containers[0].imagePullPolicyy"';
    if (name.includes('1.20')) {
      // 1.20 predates server-side field validation: it sends no directive, and the server's default (Warn) applies.
      const r = k(['apply', '-f', '-'], typo);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`Warning: ${problem}`);
    } else {
      const strict = k(['apply', '-f', '-'], typo);
      expect(strict.code).not.toBe(0);
      expect(strict.stderr).toContain(`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${problem}`);
      const warned = k(['apply', '--validate=warn', '-f', '-'], typo);
      expect(warned.code, warned.stderr).toBe(0);
      // kubectl found the server's validation in its OpenAPI document: it leaves the check to it.
      expect(warned.stderr).not.toContain('server-side field validation is unsupported');
      expect(warned.stderr).toContain(`Warning: ${problem}`);
    }
    expect(ok(['get', 'deploy', 'typo', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0]}'])).not.toContain('imagePullPolicyy');
    ok(['delete', 'deploy', 'typo', '-n', ns]);
  });

  it.runIf(!name.includes('1.20'))('explains a kind and its fields from the OpenAPI v3 schemas', () => {
    const pod = ok(['explain', 'pods']);
    expect(pod).toMatch(/^KIND:\s+Pod\nVERSION:\s+v1\n/);
    expect(pod).toMatch(/\n {2}spec\t<PodSpec>\n/);
    const containers = ok(['explain', 'deployments.spec.template.spec.containers']);
    expect(containers).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
    expect(containers).toContain('FIELD: containers <[]Container>');
    expect(containers).toMatch(/\n {2}imagePullPolicy\t<string>\n/);
    const missing = k(['explain', 'pods.spec.nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('field "nope" does not exist');
  });

  it('scales through the scale subresource', () => {
    expect(ok(['scale', 'deployment', 'web', '-n', ns, '--replicas=3'])).toBe('deployment.apps/web scaled\n');
    expect(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
  });

  it('creates roles and bindings (kubectl create role/rolebinding/clusterrole/clusterrolebinding), prints and describes them', () => {
    const suffix = name.includes('1.20') ? 'old' : 'new';
    expect(ok(['create', 'role', 'pod-reader', '-n', ns, '--verb=get,list', '--resource=pods,deployments.apps'])).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    ok(['create', 'rolebinding', 'read-pods', '-n', ns, '--role=pod-reader', '--user=jane', '--group=devs', `--serviceaccount=${ns}:robot`]);
    ok(['create', 'clusterrole', `metrics-${suffix}`, '--verb=get', '--non-resource-url=/metrics']);
    ok(['create', 'clusterrolebinding', `metrics-${suffix}`, `--clusterrole=metrics-${suffix}`, '--serviceaccount=kube-system:prom']);
    const wide = ok(['get', 'rolebindings', '-n', ns, '-o', 'wide']).split('\n');
    expect(wide[0]).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/);
    expect(wide[1]).toMatch(new RegExp(`^read-pods\\s+Role/pod-reader\\s+\\d+s\\s+jane\\s+devs\\s+${ns}/robot$`));
    expect(ok(['get', 'roles', '-n', ns]).split('\n')[0]).toMatch(/^NAME\s+CREATED AT$/);
    expect(ok(['get', 'clusterrolebinding', `metrics-${suffix}`])).toMatch(new RegExp(`\nmetrics-${suffix}\\s+ClusterRole/metrics-${suffix}\\s+\\d+s\n$`));
    expect(ok(['get', 'role', 'pod-reader', '-n', ns, '-o', 'jsonpath={.rules[*].apiGroups}'])).toBe('[""] ["apps"]');
    expect(ok(['describe', 'rolebinding', 'read-pods', '-n', ns])).toMatch(/Role:\n\s+Kind:\s+Role\n\s+Name:\s+pod-reader\n/);
    // roleRef is immutable: kube's words, from the server.
    const changed = k(['patch', 'rolebinding', 'read-pods', '-n', ns, '--type=merge', '-p', '{"roleRef":{"name":"other"}}']);
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain('roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef');
  });

  it('drains a node through the eviction API, within its pods\' disruption budget (kubectl drain, get pdb)', async () => {
    const suffix = name.includes('1.20') ? 'old' : 'new';
    const node = `drain-${suffix}`;
    ok(['create', '-f', '-'], `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${node}\n`);
    ok(['create', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: guarded\n  namespace: ${ns}\n  labels: {app: guarded}\nspec:\n  nodeName: ${node}\n  containers: [{name: c, image: pause}]\n`);
    const pod = (await rest<Pod>(api().url, 'GET', `/api/v1/namespaces/${ns}/pods/guarded`)).body;
    pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-10T11:00:00Z' }] };
    expect((await rest(api().url, 'PUT', `/api/v1/namespaces/${ns}/pods/guarded/status`, pod)).status).toBe(200);
    // kubectl 1.20's `create pdb` writes policy/v1beta1, which 1.32 no longer serves: both apply a policy/v1 manifest.
    ok(['apply', '-f', '-'], `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: guarded\n  namespace: ${ns}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: guarded}\n`);
    const setAllowed = async (allowed: number): Promise<void> => {
      const pdbPath = `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/guarded`;
      const current = (await rest<PodDisruptionBudget>(api().url, 'GET', pdbPath)).body;
      const status = { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1 - allowed, expectedPods: 1 };
      expect((await rest(api().url, 'PUT', `${pdbPath}/status`, { ...current, status })).status).toBe(200);
    };
    await setAllowed(0);
    const table = ok(['get', 'pdb', '-n', ns]).split('\n');
    expect(table[0]).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/);
    expect(table[1]).toMatch(/^guarded\s+1\s+N\/A\s+0\s+\d+s$/);
    const refused = k(['drain', node, '--force', '--ignore-daemonsets', '--grace-period=0', '--timeout=4s']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    await setAllowed(1);
    const drained = ok(['drain', node, '--force', '--ignore-daemonsets', '--grace-period=0', '--timeout=20s']);
    expect(drained).toContain('pod/guarded evicted');
    // kubectl 1.20 ends with `node/NAME evicted`, newer ones with `node/NAME drained`.
    expect(drained).toContain(name.includes('1.20') ? `node/${node} evicted` : `node/${node} drained`);
    expect((await rest(api().url, 'GET', `/api/v1/namespaces/${ns}/pods/guarded`)).status).toBe(404);
  });

  it('creates priority classes, prints them, gives pods their priority, and keeps the system classes (kubectl create priorityclass, get pc)', () => {
    const suffix = name.includes('1.20') ? 'old' : 'new';
    expect(ok(['create', 'priorityclass', `batch-${suffix}`, '--value=-5', '--description=batch work', '--preemption-policy=Never'])).toBe(
      `priorityclass.scheduling.k8s.io/batch-${suffix} created\n`,
    );
    const table = ok(['get', 'pc']).split('\n');
    expect(table[0]).toMatch(/^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
    expect(table.find((l) => l.startsWith(`batch-${suffix} `))).toMatch(new RegExp(`^batch-${suffix}\\s+-5\\s+false\\s+\\d+s\\s+Never$`));
    expect(table.find((l) => l.startsWith('system-node-critical '))).toMatch(/^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/);
    ok(['create', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: batch\n  namespace: ${ns}\nspec:\n  priorityClassName: batch-${suffix}\n  containers: [{name: c, image: pause}]\n`);
    expect(ok(['get', 'pod', 'batch', '-n', ns, '-o', 'jsonpath={.spec.priority} {.spec.preemptionPolicy}'])).toBe('-5 Never');
    const unknown = k(['create', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: lost\n  namespace: ${ns}\nspec:\n  priorityClassName: nowhere\n  containers: [{name: c, image: pause}]\n`);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": pods "lost" is forbidden: no PriorityClass with name nowhere was found');
    const system = k(['delete', 'pc', 'system-node-critical']);
    expect(system.code).not.toBe(0);
    expect(system.stderr).toContain('Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
  });

  it('creates a quota, prints and describes its use, and is refused beyond it (kubectl create quota, get quota)', async () => {
    expect(ok(['create', 'quota', 'compute', '-n', ns, '--hard=pods=3,requests.cpu=1,limits.cpu=2'])).toBe('resourcequota/compute created\n');
    // What the resourcequota controller would write.
    const path = `/api/v1/namespaces/${ns}/resourcequotas/compute`;
    const current = (await rest<ResourceQuota>(api().url, 'GET', path)).body;
    const status = { hard: current.spec?.hard, used: { pods: '3', 'requests.cpu': '0', 'limits.cpu': '0' } };
    expect((await rest(api().url, 'PUT', `${path}/status`, { ...current, status })).status).toBe(200);
    const table = ok(['get', 'quota', '-n', ns]).split('\n');
    expect(table[0]).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT$/);
    expect(table[1]).toMatch(/^compute\s+\d+s\s+pods: 3\/3, requests.cpu: 0\/1\s+limits.cpu: 0\/2$/);
    expect(ok(['describe', 'quota', 'compute', '-n', ns])).toMatch(/pods\s+3\s+3\n/);
    const bare = k(['run', 'bare', '-n', ns, '--image=pause', '--restart=Never']);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('Error from server (Forbidden): pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: bare; requests.cpu for: bare');
    const sized = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: sized\n  namespace: ${ns}\nspec:\n  containers: [{name: c, image: pause, resources: {requests: {cpu: 100m}, limits: {cpu: 100m}}}]\n`;
    const over = k(['create', '-f', '-'], sized);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain('pods "sized" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3');
  });

  it('creates a LimitRange whose defaults a new pod gets and whose max refuses another (get limits, describe limitrange)', () => {
    // A namespace of its own: the quota of the test namespace is full.
    const lns = `${ns}-limits`;
    ok(['create', 'namespace', lns]);
    ok(['create', '-f', '-'], `apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\n  namespace: ${lns}\nspec:\n  limits:\n  - type: Container\n    max: {memory: 1Gi}\n    defaultRequest: {memory: 64Mi}\n`);
    expect(ok(['get', 'limits', '-n', lns]).split('\n')[0]).toMatch(/^NAME\s+CREATED AT$/);
    expect(ok(['describe', 'limitrange', 'defaults', '-n', lns])).toMatch(/Container\s+memory\s+-\s+1Gi\s+64Mi\s+1Gi\s+-/);
    try {
      const refused = k(['create', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hungry\n  namespace: ${lns}\nspec:\n  containers: [{name: c, image: pause, resources: {limits: {memory: 2Gi}}}]\n`);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('pods "hungry" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi');
      // A pod stating no memory gets the LimitRange's.
      const defaulted = ok(['create', '-f', '-', '-o', 'jsonpath={.spec.containers[0].resources}'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: fed\n  namespace: ${lns}\nspec:\n  containers: [{name: c, image: pause}]\n`);
      expect(JSON.parse(defaulted)).toEqual({ limits: { memory: '1Gi' }, requests: { memory: '64Mi' } });
    } finally {
      k(['delete', 'limitrange', 'defaults', '-n', lns]);
    }
  });

  it('deletes, and the object is gone', () => {
    expect(ok(['delete', 'configmap', 'watched', '-n', ns])).toBe('configmap "watched" deleted\n');
    expect(ok(['delete', 'deployment', 'web', 'api', '-n', ns])).toBe('deployment.apps "web" deleted\ndeployment.apps "api" deleted\n');
    const gone = k(['get', 'deployment', 'web', '-n', ns]);
    expect(gone.stderr).toContain('deployments.apps "web" not found');
  });
});
