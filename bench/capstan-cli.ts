/**
 * The benchmarks run capstan as operators do (`npm start` is `node dist/cli.js up`): compiled to dist/ by
 * tsc, not through tsx, whose on-the-fly transform costs start-up time and, at run time, a helper call for
 * every function it names (≈ 5–15 % more server CPU per put on one member). The build runs once per process,
 * from the current sources, so a benchmark never measures a stale dist/.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
let built = false;

/**
 * capstanCli builds dist/ (`tsc -p tsconfig.build.json`, as `npm run build`) the first time it is called and
 * returns the Node arguments that run the capstan CLI from it; the caller appends the CLI's own arguments.
 */
export function capstanCli(): string[] {
  if (!built) {
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
    built = true;
  }
  return [join(root, 'dist', 'cli.js')];
}
