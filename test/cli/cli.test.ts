import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { readPackageVersion } from '../../src/cli/version.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkgVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { version: pkgVersion, stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

describe('capstan CLI', () => {
  it('--version prints the package version and exits 0', async () => {
    for (const flag of ['--version', '-V']) {
      expect(await run(flag)).toEqual({ code: 0, out: `${pkgVersion}\n`, err: '' });
    }
  });

  it('--help lists the subcommands on stdout', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: capstan');
    expect(r.out).toMatch(/^\s+up\s/m);
  });

  it('up refuses a member count this version cannot run, starting nothing', async () => {
    const r = await run('up', '--members', '4', '--dir', '/nonexistent/capstan-test');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^capstan up: --members 4: a store cluster has 1, 3, 5 or 7 members/);
  });

  it('rejects an unknown command with exit 1', async () => {
    const r = await run('no-such-command');
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown command 'no-such-command'");
  });

  it('readPackageVersion reads package.json and refuses a file without a version', () => {
    expect(readPackageVersion(new URL('../../package.json', import.meta.url))).toBe(pkgVersion);
    expect(() => readPackageVersion(new URL('../../tsconfig.json', import.meta.url))).toThrow(/no string "version"/);
  });

  it('src/cli.ts runs as a process and finds package.json relative to itself', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--version'], { cwd: root });
    expect(stdout).toBe(`${pkgVersion}\n`);
    const status = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'status', '--dir', '/nonexistent/capstan-test'], { cwd: root }).then(
      () => ({ code: 0 }),
      (e: { code: number }) => ({ code: e.code }),
    );
    expect(status.code).toBe(1);
  });
});
