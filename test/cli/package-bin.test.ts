/**
 * The package as npm installs it (issue 2: `bin: { capstan: dist/cli.js }`, a `prepare` script that builds,
 * so `npx capstan` works right after `npm ci`; issue 3: `npm start`): the project's own build configuration
 * compiles src/ into dist/ of a package directory laid out as `files` says (dist, proto, package.json), and
 * the built bin runs as an executable through its shebang, as npm's bin link runs it — `--version`, then a
 * one-member `up --detach`, `status` and `down`. node_modules is linked from this checkout: nothing is fetched.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readClusterFile } from '../../src/cli/launcher/cluster-file.js';
import { isAlive } from '../../src/cli/launcher/processes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface PackageJson {
  name: string;
  version: string;
  type: string;
  bin: Record<string, string>;
  files: string[];
  engines: { node: string };
  scripts: Record<string, string>;
}

describe('the built package (npm ci, then npx capstan / npm start)', () => {
  const pkgDir = mkdtempSync(join(tmpdir(), 'capstan-pkg-'));
  const clusterDir = join(pkgDir, '.capstan');
  afterAll(() => {
    for (const m of readClusterFile(clusterDir)?.store.members ?? []) if (isAlive(m.pid)) process.kill(m.pid, 'SIGKILL');
    rmSync(pkgDir, { recursive: true, force: true });
  });

  it('package.json declares the capstan bin, a prepare build, npm start and the files to ship', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
    expect(pkg.name).toBe('capstan');
    expect(pkg.type).toBe('module');
    expect(pkg.bin).toEqual({ capstan: 'dist/cli.js' });
    expect(pkg.scripts['prepare']).toBe('npm run build');
    expect(pkg.scripts['build']).toBe('tsc -p tsconfig.build.json');
    expect(pkg.scripts['start']).toBe('node dist/cli.js up');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'proto']));
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('the build output runs as the capstan executable: --version, then up --detach, status and down', async () => {
    // What `npm run build` does, into the package directory instead of this checkout's dist/.
    await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkgDir, 'dist')], {
      cwd: root,
      timeout: 120_000,
    });
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
    writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(pkg, null, 2));
    cpSync(join(root, 'proto'), join(pkgDir, 'proto'), { recursive: true });
    symlinkSync(realpathSync(join(root, 'node_modules')), join(pkgDir, 'node_modules'));
    const bin = join(pkgDir, pkg.bin['capstan']!);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    chmodSync(bin, 0o755); // npm sets the bin's mode when it links it

    expect((await run(bin, ['--version'], { cwd: pkgDir })).stdout).toBe(`${pkg.version}\n`);
    const up = await run(bin, ['up', '--members', '1', '--dir', clusterDir, '--detach'], { cwd: pkgDir, timeout: 60_000 });
    expect(up.stdout).toMatch(/^capstan store is up: 1 member\(s\)\n {2}endpoints: {4}http:\/\/127\.0\.0\.1:\d+\n/);
    const file = readClusterFile(clusterDir)!;
    const status = JSON.parse((await run(bin, ['status', '--dir', clusterDir, '-o', 'json'], { cwd: pkgDir })).stdout) as { store: { healthy: boolean; leader: boolean }[] };
    expect(status.store).toEqual([expect.objectContaining({ healthy: true, leader: true })]);
    await run(bin, ['down', '--dir', clusterDir], { cwd: pkgDir, timeout: 30_000 });
    for (const m of file.store.members) expect(isAlive(m.pid)).toBe(false);
  });
});
