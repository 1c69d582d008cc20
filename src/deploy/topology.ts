/**
 * The topology of a capstan cluster spread over separate hosts: which host runs which component, the virtual
 * IP that keepalived moves between the load-balancer hosts, and the ports and paths every rendered file
 * agrees on. It is read from a small YAML file (deploy/examples/<n>-members/topology.yaml) and validated
 * before anything is rendered, so a mistake is reported against the topology rather than discovered on a
 * host: an even store member count (etcd's advice: 3, 5 or 7, as an even count adds no fault tolerance), a
 * duplicate host name or address, an apiserver and haproxy fighting over one port on one host.
 */
import { isIPv4 } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { CapstanError } from '../util/errors.js';

/** ROLES are the components a host may run; `lb` is haproxy plus keepalived. */
export const ROLES = ['store', 'apiserver', 'scheduler', 'controller-manager', 'node', 'lb'] as const;

/** Role is one of ROLES. */
export type Role = (typeof ROLES)[number];

/** Host is one machine of the cluster. */
export interface Host {
  /** name is the host name; a store member on it is named after it. */
  readonly name: string;
  /** address is the host's IPv4 address on the cluster network. */
  readonly address: string;
  readonly roles: readonly Role[];
  /** nodes is how many hollow nodes `capstan node` runs on a `node` host. */
  readonly nodes: number;
  /** interface is the network interface that carries the VIP on an `lb` host. */
  readonly interface: string;
}

/** Vip is the virtual IP in front of the API servers, held by one `lb` host at a time (VRRP). */
export interface Vip {
  readonly address: string;
  readonly prefixLength: number;
  /** port is haproxy's client-facing port: clients use https://<address>:<port>. */
  readonly port: number;
  /** virtualRouterId identifies the VRRP instance on the segment (1-255, unique per segment). */
  readonly virtualRouterId: number;
}

/** Ports are the ports every component listens on, the same on every host. */
export interface Ports {
  readonly storeClient: number;
  readonly storePeer: number;
  /** storeMetrics serves the store's /metrics and /health on loopback. */
  readonly storeMetrics: number;
  readonly apiserver: number;
  readonly haproxyAdmin: number;
  readonly scheduler: number;
  readonly controllerManager: number;
  readonly node: number;
}

/** StoreSettings are the store flags that an operator tunes per cluster. */
export interface StoreSettings {
  /** clusterToken is --initial-cluster-token: unique per cluster, so members of two clusters never join. */
  readonly clusterToken: string;
  readonly snapshotCount: number;
  /** autoCompactionRetention is the periodic --auto-compaction-retention (the API server does not compact). */
  readonly autoCompactionRetention: string;
}

/** Install is where capstan is and who it runs as on every host. */
export interface Install {
  /** command is the capstan command line: `/usr/bin/capstan`, or `/usr/bin/node /opt/capstan/dist/cli.js`. */
  readonly command: readonly string[];
  /** user is the dedicated system user (and group) every capstan unit runs as. */
  readonly user: string;
  /** configDir holds PKI, tokens and kubeconfigs. */
  readonly configDir: string;
}

/** Topology is a validated topology file. */
export interface Topology {
  /** name is the cluster's name, in kubeconfigs and comments. */
  readonly name: string;
  readonly vip: Vip;
  readonly ports: Ports;
  readonly store: StoreSettings;
  readonly install: Install;
  readonly hosts: readonly Host[];
}

/** TopologyError is a topology file that cannot be rendered; the message names the field. */
export class TopologyError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_TOPOLOGY', false, options);
  }
}

/** DEFAULT_PORTS are etcd's and Kubernetes' well-known ports. */
export const DEFAULT_PORTS: Ports = {
  storeClient: 2379,
  storePeer: 2380,
  storeMetrics: 2381,
  apiserver: 6443,
  haproxyAdmin: 8404,
  scheduler: 10251,
  controllerManager: 10252,
  node: 10250,
};

/** DEFAULT_INSTALL is a capstan installed as /usr/bin/capstan, run as user capstan, configured in /etc/capstan. */
export const DEFAULT_INSTALL: Install = { command: ['/usr/bin/capstan'], user: 'capstan', configDir: '/etc/capstan' };

type Fields = Record<string, unknown>;

function mapping(v: unknown, what: string): Fields {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new TopologyError(`${what}: expected a mapping`);
  return v as Fields;
}

function onlyKeys(m: Fields, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(m)) if (!allowed.includes(k)) throw new TopologyError(`${what}: unknown key ${JSON.stringify(k)}`);
}

function str(m: Fields, key: string, what: string, fallback?: string): string {
  const v = m[key] ?? fallback;
  if (typeof v !== 'string' || v === '') throw new TopologyError(`${what}.${key}: expected a non-empty string`);
  return v;
}

function int(m: Fields, key: string, what: string, fallback: number | undefined, min: number, max: number): number {
  const v = m[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TopologyError(`${what}.${key}: expected an integer from ${String(min)} to ${String(max)}`);
  }
  return v;
}

function ipv4(m: Fields, key: string, what: string): string {
  const v = str(m, key, what);
  if (!isIPv4(v)) throw new TopologyError(`${what}.${key}: ${JSON.stringify(v)} is not an IPv4 address`);
  return v;
}

/** SAFE_WORD is what names, paths and tokens may contain: no quoting, no systemd specifiers, no shell. */
const SAFE_WORD = /^[A-Za-z0-9_./:@+-]+$/;
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function word(m: Fields, key: string, what: string, fallback?: string): string {
  const v = str(m, key, what, fallback);
  if (!SAFE_WORD.test(v)) throw new TopologyError(`${what}.${key}: ${JSON.stringify(v)} may only contain letters, digits and _./:@+-`);
  return v;
}

function parseHost(raw: unknown, i: number, defaultInterface: string): Host {
  const what = `hosts[${String(i)}]`;
  const m = mapping(raw, what);
  onlyKeys(m, ['name', 'address', 'roles', 'nodes', 'interface'], what);
  const name = str(m, 'name', what);
  if (!HOST_NAME.test(name)) throw new TopologyError(`${what}.name: ${JSON.stringify(name)} is not a DNS label (lower-case letters, digits, -)`);
  const roles = m['roles'];
  if (!Array.isArray(roles) || roles.length === 0) throw new TopologyError(`${what}.roles: expected a non-empty list of ${ROLES.join(', ')}`);
  const seen = new Set<Role>();
  for (const r of roles as unknown[]) {
    if (typeof r !== 'string' || !(ROLES as readonly string[]).includes(r)) throw new TopologyError(`${what}.roles: ${JSON.stringify(r)} is not one of ${ROLES.join(', ')}`);
    if (seen.has(r as Role)) throw new TopologyError(`${what}.roles: ${r} is listed twice`);
    seen.add(r as Role);
  }
  const isNode = seen.has('node');
  if (!isNode && m['nodes'] !== undefined) throw new TopologyError(`${what}.nodes: only a host with role node runs hollow nodes`);
  return {
    name,
    address: ipv4(m, 'address', what),
    roles: ROLES.filter((r) => seen.has(r)),
    nodes: isNode ? int(m, 'nodes', what, 10, 1, 10_000) : 0,
    interface: word(m, 'interface', what, defaultInterface),
  };
}

/** hostsWith lists the hosts that run role, in topology order. */
export function hostsWith(t: Topology, role: Role): Host[] {
  return t.hosts.filter((h) => h.roles.includes(role));
}

/** validateTopology checks what a single host cannot: counts, uniqueness and port clashes. */
function validateTopology(t: Topology): void {
  const names = new Set<string>();
  const addresses = new Set<string>([t.vip.address]);
  for (const h of t.hosts) {
    if (names.has(h.name)) throw new TopologyError(`hosts: ${h.name} is listed twice`);
    names.add(h.name);
    if (addresses.has(h.address)) throw new TopologyError(`hosts: ${h.name}: address ${h.address} is already the VIP or another host's`);
    addresses.add(h.address);
  }
  const members = hostsWith(t, 'store').length;
  if (members === 0 || members % 2 === 0) {
    throw new TopologyError(`hosts: ${String(members)} store members; use an odd count (3, 5 or 7): an even count tolerates no more failures than one member fewer`);
  }
  for (const role of ['apiserver', 'scheduler', 'controller-manager', 'lb'] as const) {
    if (hostsWith(t, role).length === 0) throw new TopologyError(`hosts: no host runs ${role}`);
  }
  for (const h of t.hosts) {
    const used = new Map<number, string>();
    const claim = (port: number, what: string): void => {
      const other = used.get(port);
      if (other !== undefined) throw new TopologyError(`hosts: ${h.name}: ${what} and ${other} both listen on port ${String(port)}`);
      used.set(port, what);
    };
    if (h.roles.includes('store')) {
      claim(t.ports.storeClient, 'store client');
      claim(t.ports.storePeer, 'store peer');
      claim(t.ports.storeMetrics, 'store metrics');
    }
    if (h.roles.includes('apiserver')) claim(t.ports.apiserver, 'apiserver');
    if (h.roles.includes('lb')) {
      claim(t.vip.port, 'haproxy');
      claim(t.ports.haproxyAdmin, 'haproxy admin');
    }
    if (h.roles.includes('scheduler')) claim(t.ports.scheduler, 'scheduler');
    if (h.roles.includes('controller-manager')) claim(t.ports.controllerManager, 'controller-manager');
    if (h.roles.includes('node')) claim(t.ports.node, 'node');
  }
}

/** parseTopology reads and validates a topology document (YAML text); defaults fill what it leaves out. */
export function parseTopology(text: string): Topology {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new TopologyError(`topology is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const root = mapping(doc, 'topology');
  onlyKeys(root, ['name', 'vip', 'ports', 'store', 'install', 'hosts'], 'topology');
  const v = mapping(root['vip'], 'vip');
  onlyKeys(v, ['address', 'prefixLength', 'port', 'virtualRouterId', 'interface'], 'vip');
  const vip: Vip = {
    address: ipv4(v, 'address', 'vip'),
    prefixLength: int(v, 'prefixLength', 'vip', 24, 1, 32),
    port: int(v, 'port', 'vip', 6443, 1, 65535),
    virtualRouterId: int(v, 'virtualRouterId', 'vip', 51, 1, 255),
  };
  const defaultInterface = word(v, 'interface', 'vip', 'eth0');
  const p = mapping(root['ports'], 'ports');
  onlyKeys(p, Object.keys(DEFAULT_PORTS), 'ports');
  const ports = Object.fromEntries(Object.entries(DEFAULT_PORTS).map(([k, d]) => [k, int(p, k, 'ports', d, 1, 65535)])) as unknown as Ports;
  const name = word(root, 'name', 'topology', 'capstan');
  const s = mapping(root['store'], 'store');
  onlyKeys(s, ['clusterToken', 'snapshotCount', 'autoCompactionRetention'], 'store');
  const store: StoreSettings = {
    clusterToken: word(s, 'clusterToken', 'store', `${name}-store`),
    snapshotCount: int(s, 'snapshotCount', 'store', 10_000, 1, Number.MAX_SAFE_INTEGER),
    autoCompactionRetention: word(s, 'autoCompactionRetention', 'store', '5m'),
  };
  const ins = mapping(root['install'], 'install');
  onlyKeys(ins, ['command', 'user', 'configDir'], 'install');
  const command = str(ins, 'command', 'install', DEFAULT_INSTALL.command.join(' ')).split(/\s+/).filter((w) => w !== '');
  for (const w of command) if (!SAFE_WORD.test(w) || !command[0]!.startsWith('/')) throw new TopologyError(`install.command: ${JSON.stringify(w)}: expected an absolute path and plain words`);
  const install: Install = {
    command,
    user: word(ins, 'user', 'install', DEFAULT_INSTALL.user),
    configDir: word(ins, 'configDir', 'install', DEFAULT_INSTALL.configDir).replace(/\/+$/, ''),
  };
  if (!install.configDir.startsWith('/')) throw new TopologyError('install.configDir: expected an absolute path');
  const hostList = root['hosts'];
  if (!Array.isArray(hostList) || hostList.length === 0) throw new TopologyError('hosts: expected a non-empty list');
  const hosts = (hostList as unknown[]).map((h, i) => parseHost(h, i, defaultInterface));
  const t: Topology = { name, vip, ports, store, install, hosts };
  validateTopology(t);
  return t;
}
