import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderDeployment } from '../../src/deploy/render.js';
import { listFiles, writeRendered } from '../../src/deploy/write-rendered.js';
import { EXAMPLE_SIZES, exampleDir, exampleTopology } from './examples.js';

// The committed examples are exactly what the renderer makes of their topology.yaml, so they cannot drift
// from the code. Regenerate them with `npm run deploy:render` (or CAPSTAN_REWRITE=1 and this test).
describe.each(EXAMPLE_SIZES)('deploy/examples/%i-members', (n) => {
  const dir = exampleDir(n);
  const files = renderDeployment(exampleTopology(n));
  if (process.env['CAPSTAN_REWRITE'] === '1') writeRendered(dir, files);

  it('holds exactly the rendered files, besides topology.yaml', () => {
    expect(listFiles(dir).filter((f) => f !== 'topology.yaml')).toEqual(files.map((f) => f.path));
  });

  it.each(files.map((f) => [f.path, f] as const))('%s is identical to its rendering', (path, f) => {
    expect(readFileSync(`${dir}/${path}`, 'utf8')).toBe(f.content);
    // scripts keep their executable bit in git
    expect(statSync(`${dir}/${path}`).mode & 0o111).toBe(f.mode & 0o111);
  });

  it(`has ${String(n)} store members, on separate hosts`, () => {
    const members = files.filter((f) => f.path.endsWith('/capstan-store.service')).map((f) => f.path.split('/')[1]);
    expect(new Set(members).size).toBe(n);
  });
});
