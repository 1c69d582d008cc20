/**
 * writeRendered writes a rendering into an output directory, and lists the files under its hosts/ tree that
 * the rendering no longer contains (a host removed from the topology, a role moved): they are reported,
 * never deleted, since the directory belongs to the operator.
 */
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { RenderedFile } from './render.js';

/** listFiles lists the regular files below dir (relative, with `/`), or none when dir does not exist. */
export function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** WriteResult says what writeRendered did. */
export interface WriteResult {
  readonly written: number;
  /** stale are files under outDir/hosts that are not part of the rendering. */
  readonly stale: string[];
}

/** writeRendered writes files below outDir, creating directories, and reports stale ones. */
export function writeRendered(outDir: string, files: readonly RenderedFile[]): WriteResult {
  for (const f of files) {
    const path = join(outDir, ...f.path.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
    chmodSync(path, f.mode);
  }
  const rendered = new Set(files.map((f) => f.path));
  const stale = listFiles(join(outDir, 'hosts'))
    .map((p) => `hosts/${p}`)
    .filter((p) => !rendered.has(p));
  return { written: files.length, stale };
}
