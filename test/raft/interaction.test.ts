/**
 * Runs every interaction script under test/raft/interaction/testdata against the Raft core and compares the
 * output with what the script records. `npm run test:script-rewrite` (CAPSTAN_REWRITE=1) rewrites the
 * expected output in place instead; review the diff before committing it — the scripts are the proof.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { UnsafeBugs } from '../../src/raft/index.js';
import { InteractionEnv } from './interaction/interaction-env.js';
import { parseScript, renderScript } from './interaction/script.js';

const testdata = fileURLToPath(new URL('./interaction/testdata/', import.meta.url));
const rewrite = process.env.CAPSTAN_REWRITE === '1';
const files = readdirSync(testdata)
  .filter((f) => f.endsWith('.txt'))
  .sort();

/** ScriptRun is a script's text, its output re-rendered into the same layout, and where they first differ. */
interface ScriptRun {
  text: string;
  rendered: string;
  firstMismatch: number | undefined;
}

/** runScript executes one script in a fresh environment; a failing command throws with its file and line. */
function runScript(file: string, env: InteractionEnv): ScriptRun {
  const text = readFileSync(join(testdata, file), 'utf8');
  const script = parseScript(text, file);
  const outputs: string[][] = [];
  let firstMismatch: number | undefined;
  for (const block of script.blocks) {
    const out: string[] = [];
    for (const cmd of block.commands) {
      if (cmd.text.startsWith('#')) continue;
      try {
        out.push(...env.handle(cmd.text));
      } catch (err) {
        throw new Error(`${file}:${cmd.line}: ${cmd.text}: ${err instanceof Error ? err.message : String(err)}\noutput so far:\n${out.join('\n')}`, { cause: err });
      }
    }
    if (out.length === 0) out.push('ok');
    for (const line of out) if (line.trim() === '') throw new Error(`${file}:${block.commands[0]!.line}: output contains a blank line`);
    if (firstMismatch === undefined && out.join('\n') !== block.expected.join('\n')) firstMismatch = block.commands[0]!.line;
    outputs.push(out);
  }
  return { text, rendered: renderScript(script, outputs), firstMismatch };
}

describe('raft interaction scripts', () => {
  it('finds scripts', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const run = runScript(file, new InteractionEnv());
      if (rewrite) {
        if (run.rendered !== run.text) writeFileSync(join(testdata, file), run.rendered);
        return;
      }
      expect(run.rendered, `${file}: output differs from line ${run.firstMismatch ?? '?'} on (CAPSTAN_REWRITE=1 regenerates)`).toBe(run.text);
    });
  }
});

// The scripts are only proof if they notice when the core is wrong: each deliberate bug the core can switch
// on must change the outcome of the script about that rule (a different transcript, or a broken invariant).
describe('raft interaction scripts catch deliberate core bugs', () => {
  const cases: { file: string; bugs: UnsafeBugs }[] = [
    { file: 'figure-8.txt', bugs: { commitPreviousTermByCounting: true } },
    { file: 'election.txt', bugs: { voteWithoutLogCheck: true } },
    { file: 'read-index.txt', bugs: { readIndexWithoutQuorum: true } },
  ];
  for (const { file, bugs } of cases) {
    it.skipIf(rewrite)(`${file} with ${Object.keys(bugs).join(', ')}`, () => {
      let run: ScriptRun | undefined;
      try {
        run = runScript(file, new InteractionEnv({ unsafeBugs: bugs }));
      } catch {
        return; // an invariant (the core's or the harness's State Machine Safety check) broke: caught
      }
      expect(run.firstMismatch, `${file} ran unchanged with ${JSON.stringify(bugs)}`).toBeDefined();
    });
  }
});
