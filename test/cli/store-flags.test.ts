/**
 * `capstan store` refuses a bad command line or configuration file at start, as a process: an unknown flag
 * is a usage error (exit 1, commander's message), an invalid value or an unknown config-file key is an
 * invalid configuration (exit 2, one line naming the flag or key). In every case nothing is started: the
 * data directory is never created and stdout stays empty. A valid --config-file is read at start, with
 * command-line flags winning over it. A port it cannot bind ends the process with the bind error.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/launcher/processes.js';
import { EtcdGrpc, grpcFailure, type RequestOp } from '../compat/helpers/grpc.js';
import { startStore } from '../compat/helpers/store.js';
import { compatTarget } from '../compat/helpers/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'capstan-store-flags-'));
const dataDir = join(dir, 'data');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** store runs `capstan store ARGS --data-dir=<tmp>/data` as a process and resolves with how it ended. */
function store(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'store', ...args, `--data-dir=${dataDir}`],
      { cwd: root, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(err);
          return;
        }
        resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
      },
    );
  });
}

function configFile(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

describe('capstan store refuses bad flags at start', () => {
  it('an unknown flag is a usage error: exit 1, "unknown option"', async () => {
    const r = await store('--bogus');
    expect(r).toEqual({ code: 1, stdout: '', stderr: "error: unknown option '--bogus'\n(run `capstan --help` for usage)\n" });
    expect(existsSync(dataDir)).toBe(false);
  });

  it.each([
    ['--max-txn-ops=0', '--max-txn-ops: 0 must be at least 1'],
    ['--auto-compaction-mode=weekly', '--auto-compaction-mode: "weekly" is not one of periodic, revision'],
    ['--initial-cluster-state=old', '--initial-cluster-state: "old" is not one of new, existing'],
    ['--listen-client-urls=not-a-url', '--listen-client-urls: "not-a-url" is not a URL'],
    ['--quota-backend-bytes=-1', '--quota-backend-bytes: "-1" is not a non-negative integer'],
    ['--election-timeout=50', '--election-timeout[50] should be at least as 5 times as --heartbeat-interval[100]'],
  ])('%s is an invalid configuration: exit 2, naming the flag', async (flag, message) => {
    const r = await store(flag);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `capstan store: ${message}\n` });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('--config-file with an unknown key, a missing file, or an invalid value: exit 2, naming the key or file', async () => {
    const unknownKey = configFile('unknown-key.yaml', 'name: x\nbogus-key: 1\n');
    expect(await store(`--config-file=${unknownKey}`)).toEqual({
      code: 2,
      stdout: '',
      stderr: `capstan store: --config-file ${unknownKey}: unknown key "bogus-key"\n`,
    });
    const missing = join(dir, 'missing.yaml');
    const r = await store(`--config-file=${missing}`);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(new RegExp(`^capstan store: --config-file ${missing}: ENOENT`));
    const badValue = configFile('bad-value.yaml', 'max-txn-ops: 0\n');
    expect(await store(`--config-file=${badValue}`)).toEqual({ code: 2, stdout: '', stderr: 'capstan store: --max-txn-ops: 0 must be at least 1\n' });
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('capstan store exits when it cannot bind a port', () => {
  // etcd exits with the bind error; a member left running without its client port would be a Raft member that
  // no client and no launcher health check can reach.
  it.each(['client', 'metrics'])('a %s port another process holds: exit 1 naming the address, after the Raft loop had started', async (which) => {
    const held = createServer();
    await new Promise<void>((resolve) => held.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const heldURL = `http://127.0.0.1:${(held.address() as AddressInfo).port}`;
    const peerURL = `http://127.0.0.1:${await freePort()}`;
    const clientURL = which === 'client' ? heldURL : `http://127.0.0.1:${await freePort()}`;
    try {
      const r = await store(
        '--name=bind',
        `--listen-client-urls=${clientURL}`,
        `--advertise-client-urls=${clientURL}`,
        `--listen-peer-urls=${peerURL}`,
        `--initial-advertise-peer-urls=${peerURL}`,
        `--initial-cluster=bind=${peerURL}`,
        ...(which === 'metrics' ? [`--listen-metrics-urls=${heldURL}`] : []),
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('"msg":"raft: new member"');
      expect(r.stdout).toContain('"msg":"store: failed to start"');
      expect(r.stderr).toBe(`capstan store: failed to start: listen EADDRINUSE: address already in use ${new URL(heldURL).host}\n`);
    } finally {
      held.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('capstan store reads --config-file at start', () => {
  // etcd ignores every other flag when --config-file is given; this is capstan's documented merge.
  it.runIf(compatTarget() === 'capstan')('a YAML file sets flags by their etcd names; a flag on the command line wins over the file', async () => {
    const path = configFile('good.yaml', 'max-txn-ops: 2\nmax-request-bytes: 100\n');
    const s = await startStore({ name: 'config-file', flags: [`--config-file=${path}`, '--max-request-bytes=4096'] });
    const rpc = new EtcdGrpc(s.address);
    try {
      const put = (k: string): RequestOp => ({ request_put: { key: Buffer.from(k), value: Buffer.from('v') } });
      // max-txn-ops from the file
      expect(await grpcFailure(rpc.txn({ success: [put('a'), put('b'), put('c')] }))).toEqual({
        code: status.INVALID_ARGUMENT,
        details: 'etcdserver: too many operations in txn request',
      });
      expect((await rpc.txn({ success: [put('a'), put('b')] })).succeeded).toBe(true);
      // max-request-bytes from the command line, not the file's 100
      await rpc.put({ key: Buffer.from('big'), value: Buffer.alloc(1000, 'x') });
      expect((await rpc.get('big'))?.length).toBe(1000);
    } finally {
      rpc.close();
      await s.dispose();
    }
  });
});
