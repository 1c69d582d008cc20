import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_QUOTA_BYTES,
  readConfigFile,
  resolveStoreConfig,
  retentionMs,
  type StoreFlagName,
} from '../../src/store/config.js';

type Flags = Partial<Record<StoreFlagName, string>>;

/** configError runs resolveStoreConfig and returns the ConfigError it must throw. */
function configError(flags: Flags): ConfigError {
  try {
    resolveStoreConfig(flags);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`resolveStoreConfig(${JSON.stringify(flags)}) did not throw`);
}

describe('resolveStoreConfig defaults (etcd 3.4 flag defaults)', () => {
  it('fills every setting from etcd defaults when no flag is given', () => {
    const c = resolveStoreConfig({});
    expect(c.name).toBe('default');
    expect(c.dataDir).toBe('default.etcd');
    expect(c.listenClientUrls.map(String)).toEqual(['http://localhost:2379/']);
    expect(c.advertiseClientUrls).toEqual(['http://localhost:2379']);
    expect(c.listenPeerUrls.map(String)).toEqual(['http://localhost:2380/']);
    expect(c.initialAdvertisePeerUrls).toEqual(['http://localhost:2380']);
    expect([...c.initialCluster]).toEqual([['default', ['http://localhost:2380']]]);
    expect(c.initialClusterState).toBe('new');
    expect(c.initialClusterToken).toBe('etcd-cluster');
    expect(c.heartbeatIntervalMs).toBe(100);
    expect(c.electionTimeoutMs).toBe(1000);
    expect(c.snapshotCount).toBe(100_000);
    expect(c.quotaBackendBytes).toBe(DEFAULT_QUOTA_BYTES);
    expect(c.maxRequestBytes).toBe(1_572_864);
    expect(c.maxTxnOps).toBe(128);
    expect(c.autoCompactionMode).toBe('periodic');
    expect(c.autoCompactionRetention).toBe('0');
    expect(c.logLevel).toBe('info');
    expect(c.listenMetricsUrls).toEqual([]);
    expect(c.metrics).toBe('basic');
  });

  it('derives the data dir and the one-member initial cluster from --name and the advertised peer URLs', () => {
    const c = resolveStoreConfig({ name: 'infra0', 'initial-advertise-peer-urls': 'http://10.0.0.1:2380,http://10.0.0.1:12380' });
    expect(c.dataDir).toBe('infra0.etcd');
    expect(c.initialAdvertisePeerUrls).toEqual(['http://10.0.0.1:2380', 'http://10.0.0.1:12380']);
    expect([...c.initialCluster]).toEqual([['infra0', ['http://10.0.0.1:2380', 'http://10.0.0.1:12380']]]);
  });

  it('advertises the listen client URLs unless told otherwise, without trailing slashes', () => {
    const c = resolveStoreConfig({ 'listen-client-urls': 'http://127.0.0.1:2379, http://127.0.0.1:22379' });
    expect(c.listenClientUrls.map((u) => u.port)).toEqual(['2379', '22379']);
    expect(c.advertiseClientUrls).toEqual(['http://127.0.0.1:2379', 'http://127.0.0.1:22379']);
    const d = resolveStoreConfig({ 'listen-client-urls': 'http://0.0.0.0:2379', 'advertise-client-urls': 'https://store.example:2379' });
    expect(d.advertiseClientUrls).toEqual(['https://store.example:2379']);
  });

  it('takes the given values of every other flag', () => {
    const c = resolveStoreConfig({
      name: 'a',
      'data-dir': '/var/lib/capstan',
      'initial-cluster': 'a=http://10.0.0.1:2380,b=http://10.0.0.2:2380,b=http://10.0.0.2:12380',
      'initial-cluster-state': 'existing',
      'initial-cluster-token': 'tok',
      'heartbeat-interval': '50',
      'election-timeout': ' 250 ',
      'snapshot-count': '1',
      'quota-backend-bytes': '1024',
      'max-request-bytes': '10',
      'max-txn-ops': '3',
      'auto-compaction-mode': 'revision',
      'auto-compaction-retention': '1000',
      'log-level': 'debug',
      'listen-metrics-urls': 'http://127.0.0.1:2381',
    });
    expect(c.dataDir).toBe('/var/lib/capstan');
    expect([...c.initialCluster]).toEqual([
      ['a', ['http://10.0.0.1:2380']],
      ['b', ['http://10.0.0.2:2380', 'http://10.0.0.2:12380']],
    ]);
    expect(c.initialClusterState).toBe('existing');
    expect(c.initialClusterToken).toBe('tok');
    expect(c.heartbeatIntervalMs).toBe(50);
    expect(c.electionTimeoutMs).toBe(250);
    expect(c.snapshotCount).toBe(1);
    expect(c.quotaBackendBytes).toBe(1024);
    expect(c.maxRequestBytes).toBe(10);
    expect(c.maxTxnOps).toBe(3);
    expect(c.autoCompactionMode).toBe('revision');
    expect(c.autoCompactionRetention).toBe('1000');
    expect(c.logLevel).toBe('debug');
    expect(c.listenMetricsUrls.map(String)).toEqual(['http://127.0.0.1:2381/']);
  });
});

describe('resolveStoreConfig validation (ConfigError naming the flag)', () => {
  it('requires the election timeout to be at least 5 heartbeats (etcd config.Validate)', () => {
    const e = configError({ 'heartbeat-interval': '300', 'election-timeout': '1000' });
    expect(e.name).toBe('ConfigError');
    expect(e.message).toContain('--election-timeout[1000]');
    expect(e.message).toContain('--heartbeat-interval[300]');
    expect(resolveStoreConfig({ 'heartbeat-interval': '200', 'election-timeout': '1000' }).electionTimeoutMs).toBe(1000);
    expect(configError({ 'heartbeat-interval': '201' }).message).toContain('--election-timeout[1000]');
  });

  it('refuses an election timeout over 50 seconds', () => {
    expect(resolveStoreConfig({ 'election-timeout': '50000' }).electionTimeoutMs).toBe(50_000);
    expect(configError({ 'election-timeout': '50001' }).message).toMatch(/^--election-timeout\[50001\] is too long/);
  });

  it.each([
    ['heartbeat-interval', '1.5'],
    ['heartbeat-interval', '-100'],
    ['election-timeout', '1e3'],
    ['snapshot-count', 'many'],
    ['quota-backend-bytes', ''],
    ['max-request-bytes', '0x10'],
    ['max-txn-ops', '12ops'],
  ] as const)('refuses --%s=%j as not an integer', (flag, value) => {
    expect(configError({ [flag]: value }).message).toBe(`--${flag}: ${JSON.stringify(value)} is not a non-negative integer`);
  });

  it('refuses integers below the flag minimum and beyond the safe range', () => {
    expect(configError({ 'snapshot-count': '0' }).message).toBe('--snapshot-count: 0 must be at least 1');
    expect(configError({ 'max-txn-ops': '0' }).message).toBe('--max-txn-ops: 0 must be at least 1');
    expect(configError({ 'max-request-bytes': '99999999999999999999' }).message).toMatch(/^--max-request-bytes: /);
    expect(resolveStoreConfig({ 'quota-backend-bytes': '0' }).quotaBackendBytes).toBe(DEFAULT_QUOTA_BYTES);
  });

  it.each([
    ['listen-client-urls', 'not a url', 'is not a URL'],
    ['listen-peer-urls', 'unix://host:2380', 'only http and https URLs are supported'],
    ['advertise-client-urls', 'http://host', 'a port is required'],
    ['initial-advertise-peer-urls', 'http://10.0.0.1:2380,localhost', 'is not a URL'],
    ['listen-metrics-urls', 'ftp://host:21', 'only http and https URLs are supported'],
  ] as const)('refuses --%s=%j', (flag, value, why) => {
    const e = configError({ [flag]: value });
    expect(e.message.startsWith(`--${flag}: `)).toBe(true);
    expect(e.message).toContain(why);
  });

  it('refuses an unknown --initial-cluster-state, --auto-compaction-mode, --log-level or --metrics', () => {
    expect(configError({ 'initial-cluster-state': 'old' }).message).toBe('--initial-cluster-state: "old" is not one of new, existing');
    expect(configError({ 'auto-compaction-mode': 'hourly' }).message).toBe('--auto-compaction-mode: "hourly" is not one of periodic, revision');
    expect(configError({ 'log-level': 'trace' }).message).toBe('--log-level: "trace" is not one of debug, info, warn, error');
    expect(configError({ metrics: 'full' }).message).toBe('--metrics: "full" is not one of basic, extensive');
  });

  it('refuses --initial-cluster without a member named by --name (here the default name)', () => {
    const e = configError({ 'initial-cluster': 'infra0=http://10.0.0.1:2380,infra1=http://10.0.0.2:2380' });
    expect(e.message).toBe('--initial-cluster has no member named "default" (--name)');
    expect(resolveStoreConfig({ name: 'infra1', 'initial-cluster': 'infra0=http://10.0.0.1:2380,infra1=http://10.0.0.2:2380' }).name).toBe('infra1');
  });

  it('refuses a malformed --initial-cluster', () => {
    expect(configError({ 'initial-cluster': 'default' }).message).toMatch(/^--initial-cluster: .*"default" is not name=url/);
    expect(configError({ 'initial-cluster': 'default=not a url' }).message).toMatch(/^--initial-cluster: /);
    expect(configError({ 'initial-cluster': '=http://a:1' }).message).toMatch(/^--initial-cluster: /);
  });

  it('accepts a retention as hours or a duration, and refuses anything else', () => {
    for (const r of ['0', '1', '72', '5m', '1h', '1h30m', '1.5h', '500ms', '30s']) {
      expect(resolveStoreConfig({ 'auto-compaction-retention': r }).autoCompactionRetention).toBe(r);
    }
    for (const r of ['1d', 'h', '-1', '5 m', 'soon']) {
      expect(configError({ 'auto-compaction-retention': r }).message).toMatch(/^--auto-compaction-retention: /);
    }
  });
});

describe('retentionMs', () => {
  it('reads a bare integer as hours (etcd periodic retention)', () => {
    expect(retentionMs('0')).toBe(0);
    expect(retentionMs('1')).toBe(3_600_000);
    expect(retentionMs('24')).toBe(86_400_000);
  });

  it('adds up the parts of a duration', () => {
    expect(retentionMs('500ms')).toBe(500);
    expect(retentionMs('30s')).toBe(30_000);
    expect(retentionMs('5m')).toBe(300_000);
    expect(retentionMs('1h30m')).toBe(5_400_000);
    expect(retentionMs('1.5h')).toBe(5_400_000);
    expect(retentionMs('1h1m1s1ms')).toBe(3_661_001);
  });
});

describe('readConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = (text: string): string => {
    const p = join(dir, `c${n++}.yaml`);
    writeFileSync(p, text);
    return p;
  };

  it('reads flag-named keys as strings and joins lists with commas', () => {
    const p = file(
      [
        'name: infra0',
        'listen-client-urls:',
        '  - http://127.0.0.1:2379',
        '  - http://127.0.0.1:22379',
        'heartbeat-interval: 100',
        'election-timeout: 1000',
        "initial-cluster: 'infra0=http://127.0.0.1:2380'",
      ].join('\n'),
    );
    const flags = readConfigFile(p);
    expect(flags).toEqual({
      name: 'infra0',
      'listen-client-urls': 'http://127.0.0.1:2379,http://127.0.0.1:22379',
      'heartbeat-interval': '100',
      'election-timeout': '1000',
      'initial-cluster': 'infra0=http://127.0.0.1:2380',
    });
    const c = resolveStoreConfig(flags);
    expect(c.listenClientUrls.map((u) => u.port)).toEqual(['2379', '22379']);
    expect(c.name).toBe('infra0');
  });

  it('lets command-line flags win over the file when merged as the CLI does', () => {
    const fromFile = readConfigFile(file('name: infra0\nlog-level: warn\n'));
    const c = resolveStoreConfig({ ...fromFile, 'log-level': 'error' });
    expect(c.name).toBe('infra0');
    expect(c.logLevel).toBe('error');
  });

  it('reads an empty file as no settings', () => {
    expect(readConfigFile(file(''))).toEqual({});
    expect(readConfigFile(file('# only a comment\n'))).toEqual({});
  });

  it('refuses an unknown key, naming it', () => {
    const p = file('name: infra0\nheartbeat-intervall: 100\n');
    expect(() => readConfigFile(p)).toThrow(ConfigError);
    expect(() => readConfigFile(p)).toThrow(`--config-file ${p}: unknown key "heartbeat-intervall"`);
  });

  it('refuses a document that is not a mapping, invalid YAML, and a missing file', () => {
    const list = file('- name\n- infra0\n');
    expect(() => readConfigFile(list)).toThrow(`--config-file ${list}: expected a YAML mapping`);
    const scalar = file('just a string\n');
    expect(() => readConfigFile(scalar)).toThrow(/expected a YAML mapping/);
    const bad = file('name: [unclosed\n');
    expect(() => readConfigFile(bad)).toThrow(ConfigError);
    expect(() => readConfigFile(join(dir, 'absent.yaml'))).toThrow(ConfigError);
  });
});
