/**
 * How `capstan up` (and `capstan chaos restart`) start a cluster's processes: store members, API server
 * replicas over the store, and the load balancer in front of them, each a `capstan` child process on free
 * loopback ports, with the PKI, token file and kubeconfig they need. Ports and credentials are kept in cluster.json so a restart reuses them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ApiServerRecord, ClusterFile, LbRecord, MemberRecord } from './cluster-file.js';
import { generatePki, writeKubeconfig } from './pki.js';
import { freePort, spawnCapstan, waitHealthy } from './processes.js';
import { writeClusterFile } from './cluster-file.js';

/** ControlPlane is the apiserver section of cluster.json. */
export type ControlPlane = NonNullable<ClusterFile['apiserver']>;

/** planControlPlane picks ports and paths for n API servers and the LB, and writes PKI and kubeconfig. */
export async function planControlPlane(dir: string, n: number): Promise<{ controlPlane: ControlPlane; kubeconfig: string }> {
  const replicas: ApiServerRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `apiserver-${i}`;
    replicas.push({ name, url: `https://127.0.0.1:${await freePort()}`, insecureURL: `http://127.0.0.1:${await freePort()}`, pid: 0, log: join(dir, `${name}.log`) });
  }
  const lb: LbRecord = { name: 'lb', listen: `127.0.0.1:${await freePort()}`, adminURL: `http://127.0.0.1:${await freePort()}`, pid: 0, log: join(dir, 'lb.log') };
  const url = `https://${lb.listen}`;
  const token = randomBytes(24).toString('base64url');
  const pki = await generatePki(dir, token);
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, url, readFileSync(pki.caCert, 'utf8'), token);
  return { controlPlane: { url, caCert: pki.caCert, replicas, lb }, kubeconfig };
}

/** pkiFiles are the files an API server is started with. */
function pkiFiles(dir: string): { cert: string; key: string; tokens: string } {
  const pkiDir = join(dir, 'pki');
  const files = { cert: join(pkiDir, 'apiserver.crt'), key: join(pkiDir, 'apiserver.key'), tokens: join(pkiDir, 'tokens.csv') };
  for (const f of Object.values(files)) if (!existsSync(f)) throw new Error(`${f} is missing: remove ${dir} to start afresh`);
  return files;
}

function port(url: string): string {
  return new URL(url).port;
}

/**
 * storeMemberArgs are the flags `capstan up` starts a member with. A member restarted on its data directory
 * finds its WAL and snapshot there and ignores the initial-cluster flags, as etcd does. A local cluster is a
 * test bed: its members accept `capstan chaos partition` (fault injection on the peer links).
 */
export function storeMemberArgs(m: MemberRecord, members: readonly MemberRecord[], clusterToken: string, state: 'new' | 'existing'): string[] {
  return [
    'store',
    `--name=${m.name}`,
    `--data-dir=${m.dataDir}`,
    `--listen-client-urls=${m.clientURL}`,
    `--advertise-client-urls=${m.clientURL}`,
    `--listen-peer-urls=${m.peerURL}`,
    `--initial-advertise-peer-urls=${m.peerURL}`,
    `--initial-cluster=${members.map((x) => `${x.name}=${x.peerURL}`).join(',')}`,
    `--initial-cluster-state=${state}`,
    `--initial-cluster-token=${clusterToken}`,
    '--experimental-enable-fault-injection=true',
  ];
}

/**
 * spawnStoreMember starts one store member with the flags `capstan up` gives it, then extraFlags (its PID is
 * recorded in m); state existing starts a member that was added to the running cluster (`capstan member add
 * --start`).
 */
export function spawnStoreMember(m: MemberRecord, members: readonly MemberRecord[], clusterToken: string, extraFlags: readonly string[] = [], state: 'new' | 'existing' = 'new'): void {
  m.pid = spawnCapstan([...storeMemberArgs(m, members, clusterToken, state), ...extraFlags], m.log);
}

/** spawnApiServer starts one replica (its PID is recorded in r). */
export function spawnApiServer(dir: string, r: ApiServerRecord, etcdServers: readonly string[]): void {
  const f = pkiFiles(dir);
  r.pid = spawnCapstan(
    [
      'apiserver',
      `--etcd-servers=${etcdServers.join(',')}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port(r.url)}`,
      `--tls-cert-file=${f.cert}`,
      `--tls-private-key-file=${f.key}`,
      `--token-auth-file=${f.tokens}`,
      `--insecure-port=${port(r.insecureURL)}`,
    ],
    r.log,
  );
}

/** spawnLb starts the load balancer over the replicas' secure ports (its PID is recorded in lb). */
export function spawnLb(lb: LbRecord, replicas: readonly ApiServerRecord[]): void {
  lb.pid = spawnCapstan(
    [
      'lb',
      `--listen=${lb.listen}`,
      `--backends=${replicas.map((r) => new URL(r.url).host).join(',')}`,
      '--health-path=/readyz',
      '--health-scheme=https',
      `--admin-listen=${new URL(lb.adminURL).host}`,
    ],
    lb.log,
  );
}

/** planMembers picks free loopback ports, a data directory and a log file for n store members in dir. */
export async function planMembers(dir: string, n: number): Promise<MemberRecord[]> {
  const out: MemberRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `store-${i}`;
    out.push({
      name,
      clientURL: `http://127.0.0.1:${await freePort()}`,
      peerURL: `http://127.0.0.1:${await freePort()}`,
      dataDir: join(dir, name),
      log: join(dir, `${name}.log`),
      pid: 0,
    });
  }
  return out;
}

/**
 * startStoreCluster starts a new store cluster of n members in dir, as `capstan up --apiservers 0` does
 * (extraFlags go to every member, now and at restarts), writes dir/cluster.json and waits until every member
 * is healthy. On failure the members it started are left in cluster.json for the caller to stop.
 */
export async function startStoreCluster(dir: string, n: number, extraFlags: readonly string[], waitMs = 30_000): Promise<ClusterFile> {
  const members = await planMembers(dir, n);
  const clusterToken = `capstan-${process.pid}-${Date.now().toString(36)}`;
  for (const m of members) spawnStoreMember(m, members, clusterToken, extraFlags);
  const file: ClusterFile = {
    version: 1,
    dir,
    startedAt: new Date().toISOString(),
    store: { endpoints: members.map((m) => m.clientURL), members, clusterToken, ...(extraFlags.length === 0 ? {} : { extraFlags: [...extraFlags] }) },
  };
  writeClusterFile(dir, file);
  for (const m of members) await waitHealthy(m.clientURL, waitMs, m.pid);
  return file;
}
