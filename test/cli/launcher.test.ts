import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { clusterProcesses, readClusterFile } from '../../src/cli/launcher/cluster-file.js';
import { loadProtos } from '../../src/store/grpc/proto.js';
import { isAlive } from '../../src/cli/launcher/processes.js';
import { compatRequired, findOnPath } from '../compat/helpers/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const capstan = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, timeout: 60_000 });

describe('capstan up --detach, status, down (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-up-'));
  afterAll(() => {
    // Whatever happened, nothing this test started keeps running: stop by PID from cluster.json.
    const f = readClusterFile(dir);
    for (const p of f === undefined ? [] : clusterProcesses(f)) if (p.pid !== 0 && isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a healthy 3-member store with 2 API servers behind the load balancer, reports them in cluster.json and status, serves etcd and kubectl requests, and stops everything', async () => {
    const up = await capstan('up', '--dir', dir, '--detach', '--members', '3');
    expect(up.stdout).toContain('capstan store is up: 3 member(s)');
    expect(up.stdout).toContain('capstan apiserver is up: 2 replica(s) behind the load balancer');
    const f = readClusterFile(dir)!;
    expect(f.store.endpoints).toHaveLength(3);
    expect(f.store.endpoints[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const m of f.store.members) expect(isAlive(m.pid)).toBe(true);

    const u = new URL(f.store.endpoints[0]!);
    const kv = new (loadProtos().clients.KV)(`${u.hostname}:${u.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Put(req: object, cb: (err: Error | null, resp: { header: { revision: string } }) => void): void;
    };
    const putResp = await new Promise<{ header: { revision: string } }>((resolve, reject) =>
      kv.Put({ key: Buffer.from('hello'), value: Buffer.from('world') }, (err, resp) => (err ? reject(err) : resolve(resp))),
    );
    kv.close();
    expect(Number(putResp.header.revision)).toBeGreaterThan(1);

    // The control plane: two replicas and the LB, reachable over TLS with the kubeconfig up wrote.
    const cp = f.apiserver!;
    expect(cp.replicas).toHaveLength(2);
    expect(cp.url).toBe(`https://${cp.lb.listen}`);
    for (const p of [cp.lb, ...cp.replicas]) expect(isAlive(p.pid)).toBe(true);
    const kubectl = findOnPath('kubectl');
    if (kubectl !== undefined || compatRequired()) {
      const ns = await promisify(execFile)(kubectl ?? 'kubectl', [`--kubeconfig=${cp.kubeconfig}`, 'get', 'namespaces', '-o', 'name'], { timeout: 30_000 });
      expect(ns.stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/default', 'namespace/kube-system']));
    }
    const anonymous = await promisify(execFile)('curl', ['-s', '--cacert', cp.caCert, `${cp.url}/api/v1/namespaces`], { timeout: 30_000 });
    expect(JSON.parse(anonymous.stdout)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });

    const st = JSON.parse((await capstan('status', '--dir', dir, '-o', 'json')).stdout) as { store: { healthy: boolean; leader: boolean; raftTerm: number }[] };
    expect(st.store).toHaveLength(3);
    for (const v of st.store) expect(v.healthy).toBe(true);
    expect(st.store.filter((v) => v.leader)).toHaveLength(1);
    expect(new Set(st.store.map((v) => v.raftTerm)).size).toBe(1);

    const table = (await capstan('status', '--dir', dir)).stdout;
    expect(table).toMatch(/^NAME\s+ENDPOINT\s+PID\s+ID\s+LEADER\s+TERM\s+APPLIED\s+DB SIZE\s+HEALTH/);
    expect(table).toMatch(/\napiserver-1\s+https:\/\/127\.0\.0\.1:\d+\s+\d+\s+ready\n/);
    expect(table).toMatch(/\nlb\s+https:\/\/127\.0\.0\.1:\d+\s+\d+\s+ready\n/);

    const down = await capstan('down', '--dir', dir);
    for (const p of clusterProcesses(readClusterFile(dir)!)) {
      expect(down.stdout).toContain(`${p.name} (pid ${p.pid}): stopped`);
      expect(isAlive(p.pid)).toBe(false);
    }
  });
});
