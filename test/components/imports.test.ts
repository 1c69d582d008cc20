import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The components meet the rest of capstan only over the wire (ARCHITECTURE.md, "the direction of imports"):
 * src/components may import src/api, src/util, itself, Node's built-ins and npm packages — never src/apiserver,
 * src/store, src/raft, src/lb or src/cli. It also reads time and randomness only through the injected Clock
 * and Random. This test reads every source file of src/components so the rule cannot regress silently.
 */

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const componentsDir = join(srcDir, 'components');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('src/components imports', () => {
  const files = sources(componentsDir);

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports only src/api, src/util and itself among capstan modules', () => {
    const violations: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue;
        const target = relative(srcDir, resolve(dirname(file), spec)).split('/')[0];
        if (!['api', 'util', 'components'].includes(target ?? '')) violations.push(`${relative(srcDir, file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('reads time and randomness only through the injected Clock and Random', () => {
    const violations: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const [name, pattern] of [
        ['Math.random', /\bMath\s*\.\s*random\b/],
        ['Date.now', /\bDate\s*\.\s*now\b/],
        ['timers', /(?<![.\w])(setTimeout|setInterval|clearTimeout|clearInterval)\s*\(/],
        ['console', /\bconsole\s*\./],
      ] as const) {
        if (pattern.test(text)) violations.push(`${relative(srcDir, file)} uses ${name}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
