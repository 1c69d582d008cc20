import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The Raft core is pure (docs/ARCHITECTURE "the direction of imports", issue 2): it imports nothing outside
 * src/raft, no `node:*` module, and touches no timer, clock, randomness, process or I/O global; time comes
 * from tick() and randomness from the Config's seeded source. That is what lets a simulation seed replay a
 * run exactly. This test reads every source file of src/raft so the rule cannot regress silently.
 */

const raftDir = fileURLToPath(new URL('../../src/raft/', import.meta.url));

/** FORBIDDEN are the ambient sources of time, randomness, scheduling and I/O the core must not touch. */
const FORBIDDEN: { name: string; pattern: RegExp }[] = [
  { name: 'Math.random', pattern: /\bMath\s*\.\s*random\b/ },
  { name: 'Date.now', pattern: /\bDate\s*\.\s*now\b/ },
  { name: 'new Date', pattern: /\bnew\s+Date\b/ },
  { name: 'performance', pattern: /\bperformance\s*\./ },
  { name: 'timers', pattern: /\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|queueMicrotask)\s*\(/ },
  { name: 'process', pattern: /\bprocess\s*\./ },
  { name: 'require', pattern: /\brequire\s*\(/ },
  { name: 'dynamic import', pattern: /\bimport\s*\(/ },
  { name: 'Buffer', pattern: /\bBuffer\b/ },
  { name: 'globalThis', pattern: /\bglobalThis\b/ },
  { name: 'console', pattern: /\bconsole\s*\./ },
  { name: 'fetch', pattern: /\bfetch\s*\(/ },
  { name: 'crypto', pattern: /\bcrypto\s*\./ },
];

/**
 * strip blanks out comments and the contents of string and template literals (keeping their quotes and
 * line structure), so that words in a log message or a comment are not taken for code.
 */
function strip(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      out += c;
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') i++;
        else out += src[i] === '\n' ? '\n' : ' ';
        i++;
      }
      out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** importSpecifiers returns the module specifiers of every static import and re-export in src. */
function importSpecifiers(src: string): string[] {
  const noComments = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs: string[] = [];
  for (const m of noComments.matchAll(/\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  return specs;
}

/** impurities lists what in one source file breaks the core's purity rule. */
function impurities(file: string, src: string): string[] {
  const found: string[] = [];
  for (const spec of importSpecifiers(src)) {
    if (!/^\.\/[\w.-]+\.js$/.test(spec)) found.push(`${file}: imports ${spec} (only ./x.js siblings in src/raft are allowed)`);
    else if (!statSync(join(raftDir, spec.replace(/\.js$/, '.ts')), { throwIfNoEntry: false })?.isFile()) {
      found.push(`${file}: imports ${spec}, which is not a file of src/raft`);
    }
  }
  const code = strip(src);
  for (const { name, pattern } of FORBIDDEN) {
    const lines = code.split('\n');
    lines.forEach((line, n) => {
      if (pattern.test(line)) found.push(`${file}:${n + 1}: uses ${name}`);
    });
  }
  return found;
}

describe('the raft core is pure', () => {
  const files = readdirSync(raftDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports only its own files and uses no timer, clock, randomness, process or I/O global', () => {
    const found = files.flatMap((f) => impurities(f, readFileSync(join(raftDir, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('the check notices each kind of impurity, and ignores words in comments and strings', () => {
    const bad = [
      "import { readFileSync } from 'node:fs';",
      "import type { Clock } from '../util/clock.js';",
      "export { x } from './missing-file.js';",
      'const r = Math.random();',
      'const t = Date.now();',
      'setTimeout(() => undefined, 1);',
      'process.exit(1);',
      'const b = Buffer.from([1]);',
    ].join('\n');
    expect(impurities('bad.ts', bad)).toEqual([
      'bad.ts: imports node:fs (only ./x.js siblings in src/raft are allowed)',
      'bad.ts: imports ../util/clock.js (only ./x.js siblings in src/raft are allowed)',
      'bad.ts: imports ./missing-file.js, which is not a file of src/raft',
      'bad.ts:4: uses Math.random',
      'bad.ts:5: uses Date.now',
      'bad.ts:6: uses timers',
      'bad.ts:7: uses process',
      'bad.ts:8: uses Buffer',
    ]);
    const fine = [
      "import { assert } from './errors.js';",
      '// never call Math.random() or setTimeout( here',
      "/** Date.now is the caller's business */",
      "const msg = 'process.exit and Buffer are not for the core';",
    ].join('\n');
    expect(impurities('fine.ts', fine)).toEqual([]);
  });
});
