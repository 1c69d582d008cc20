import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** MemberRecord describes one store member started by `capstan up`. */
export interface MemberRecord {
  name: string;
  clientURL: string;
  peerURL: string;
  dataDir: string;
  log: string;
  pid: number;
}

/** ClusterFile is DIR/cluster.json: what `capstan up` started, for `status`, `down`, `chaos` and tests. */
export interface ClusterFile {
  version: 1;
  dir: string;
  startedAt: string;
  store: {
    /** endpoints are the members' client URLs, as etcdctl's --endpoints takes them. */
    endpoints: string[];
    members: MemberRecord[];
    clusterToken: string;
  };
}

/** clusterFilePath is where cluster.json lives in a cluster directory. */
export function clusterFilePath(dir: string): string {
  return join(dir, 'cluster.json');
}

/** readClusterFile reads DIR/cluster.json, or undefined when there is none. */
export function readClusterFile(dir: string): ClusterFile | undefined {
  const p = clusterFilePath(dir);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as ClusterFile;
}

/** writeClusterFile replaces DIR/cluster.json atomically (write, then rename). */
export function writeClusterFile(dir: string, f: ClusterFile): void {
  const p = clusterFilePath(dir);
  writeFileSync(`${p}.tmp`, `${JSON.stringify(f, null, 2)}\n`);
  renameSync(`${p}.tmp`, p);
}
