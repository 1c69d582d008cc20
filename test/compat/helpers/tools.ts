/**
 * Which store the compatibility suites talk to, and whether the real clients they need are installed.
 *
 * CAPSTAN_COMPAT_TARGET selects the store: `capstan` (default) runs `node --import tsx src/cli.ts store`,
 * `etcd` runs the etcd binary found on PATH; both get the same etcd flags. CAPSTAN_COMPAT=required (set
 * by .ci/run) turns a missing tool into a failing test instead of a skipped suite.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** repoRoot is the capstan checkout these suites live in (with a trailing separator). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** CompatTarget names the server implementation under test. */
export type CompatTarget = 'capstan' | 'etcd';

/** compatTarget reads CAPSTAN_COMPAT_TARGET, refusing anything but `capstan` and `etcd`. */
export function compatTarget(): CompatTarget {
  const v = process.env['CAPSTAN_COMPAT_TARGET'];
  if (v === undefined || v === '' || v === 'capstan') return 'capstan';
  if (v === 'etcd') return 'etcd';
  throw new Error(`CAPSTAN_COMPAT_TARGET must be "capstan" or "etcd", got ${JSON.stringify(v)}`);
}

/** compatRequired says whether missing tools must fail the run (CAPSTAN_COMPAT=required). */
export function compatRequired(): boolean {
  return process.env['CAPSTAN_COMPAT'] === 'required';
}

/** findOnPath returns the first executable regular file called name on PATH. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Tool is something a suite needs besides node: the etcdctl client, or the store target itself. */
export type Tool = 'etcdctl' | 'store';

/** StoreCommand is how to launch the selected target: executable and the arguments before the etcd flags. */
export interface StoreCommand {
  target: CompatTarget;
  command: string;
  args: string[];
}

/** storeCommand resolves the launch command of a target (default the selected one), or undefined when it is missing. */
export function storeCommand(target: CompatTarget = compatTarget()): StoreCommand | undefined {
  if (target === 'etcd') {
    const etcd = findOnPath('etcd');
    return etcd === undefined ? undefined : { target, command: etcd, args: [] };
  }
  return { target, command: process.execPath, args: ['--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), 'store'] };
}

/** etcdctlPath is etcdctl on PATH, or undefined. */
export function etcdctlPath(): string | undefined {
  return findOnPath('etcdctl');
}

/** missingTools lists, as human-readable reasons, the tools in needs that are not installed. */
export function missingTools(needs: readonly Tool[]): string[] {
  const missing: string[] = [];
  if (needs.includes('store') && storeCommand() === undefined) {
    missing.push(`etcd on PATH (CAPSTAN_COMPAT_TARGET=${compatTarget()}; Debian package etcd-server)`);
  }
  if (needs.includes('etcdctl') && etcdctlPath() === undefined) {
    missing.push('etcdctl on PATH (Debian package etcd-client)');
  }
  return missing;
}

/**
 * describeCompat declares a suite that runs only when its tools are installed. When CAPSTAN_COMPAT is
 * `required`, a separate test asserts the tools are there, so a CI machine without them fails loudly
 * rather than skipping the compatibility checks.
 */
export function describeCompat(title: string, needs: readonly Tool[], body: () => void): void {
  const missing = missingTools(needs);
  it.runIf(compatRequired())(`${title}: the tools it needs are installed (CAPSTAN_COMPAT=required)`, () => {
    expect(missing, `CAPSTAN_COMPAT=required but missing: ${missing.join(', ')}`).toEqual([]);
  });
  describe.runIf(missing.length === 0)(`${title} [target: ${compatTarget()}]`, body);
}
