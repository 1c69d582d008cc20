/**
 * deploy/Containerfile, checked against the repository it builds from (no container engine is needed):
 * node:20-slim in both stages, every COPY source exists and survives Containerfile.dockerignore, the
 * npm scripts it runs exist, the runtime stage has what dist/ loads at run time (proto/ beside dist/,
 * package.json for the version) and starts package.json's bin as a non-root user.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const containerfile = readFileSync(`${root}deploy/Containerfile`, 'utf8');
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };

interface Instruction {
  readonly op: string;
  readonly args: string;
}

function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([A-Z]+)\s+(.*)$/.exec(l);
      if (m === null) throw new Error(`not an instruction: ${l}`);
      return { op: m[1]!, args: m[2]! };
    });
}

const all = instructions(containerfile);
const stages: Instruction[][] = [];
for (const i of all) {
  if (i.op === 'FROM') stages.push([]);
  stages.at(-1)!.push(i);
}
const runtime = stages.at(-1)!;

describe('deploy/Containerfile', () => {
  it('builds on node:20-slim in two stages and knows only standard instructions', () => {
    expect(stages.map((s) => s[0]!.args.split(/\s+/)[0])).toEqual(['node:20-slim', 'node:20-slim']);
    for (const i of all) expect(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'VOLUME', 'EXPOSE', 'ENTRYPOINT', 'CMD']).toContain(i.op);
  });

  it('copies only paths that exist and that Containerfile.dockerignore lets through', () => {
    const allowed = readFileSync(`${root}deploy/Containerfile.dockerignore`, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    for (const i of all.filter((x) => x.op === 'COPY' && !x.args.startsWith('--from='))) {
      const sources = i.args.split(/\s+/).slice(0, -1);
      for (const s of sources) {
        expect(existsSync(`${root}${s}`), s).toBe(true);
        expect(allowed, s).toContain(s);
      }
    }
  });

  it('runs npm scripts that package.json has, and installs production dependencies from the lock file', () => {
    for (const i of all.filter((x) => x.op === 'RUN')) {
      for (const m of i.args.matchAll(/npm run (\S+)/g)) expect(Object.keys(pkg.scripts)).toContain(m[1]);
    }
    expect(runtime.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args))).toBe(true);
  });

  it('starts package.json\'s bin as a non-root user, with proto/ and package.json where dist/ looks for them', () => {
    const workdir = runtime.filter((i) => i.op === 'WORKDIR').at(-1)!.args;
    const entrypoint = JSON.parse(runtime.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint).toEqual(['node', `${workdir}/${pkg.bin['capstan']!}`]);
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toContain('package.json package-lock.json ./');
    expect(copies).toContain('proto ./proto');
    expect(copies).toContain('--from=build /src/dist ./dist');
    expect(runtime.find((i) => i.op === 'USER')?.args).not.toMatch(/^(root|0)$/);
  });
});
