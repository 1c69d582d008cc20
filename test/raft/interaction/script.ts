/**
 * A data-driven script format in the manner of cockroachdb/datadriven as etcd-io/raft uses it: one or more
 * command lines, a `----` line, then the expected output up to the next blank line. Lines starting with `#`
 * and blank lines between blocks are comments. parseScript and renderScript round-trip a file byte for byte,
 * so rewriting expected output leaves every comment and command where the author put it.
 */

/** ScriptCommand is one command line (a `#` line inside a block is kept, and skipped when run) and its 1-based line number. */
export interface ScriptCommand {
  line: number;
  text: string;
}

/** ScriptBlock is a group of commands whose combined output is compared with `expected`. */
export interface ScriptBlock {
  /** preamble holds the comment and blank lines before the commands, verbatim. */
  preamble: string[];
  commands: ScriptCommand[];
  expected: string[];
}

/** Script is a parsed file: its blocks and whatever trails the last one. */
export interface Script {
  blocks: ScriptBlock[];
  trailer: string[];
}

/** SEPARATOR divides a block's commands from its expected output. */
export const SEPARATOR = '----';

/** parseScript splits a script into blocks; it throws on a command block without a separator. */
export function parseScript(text: string, name: string): Script {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blocks: ScriptBlock[] = [];
  let pending: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      pending.push(line);
      i++;
      continue;
    }
    const commands: ScriptCommand[] = [];
    while (i < lines.length && lines[i] !== SEPARATOR) {
      const cmd = lines[i]!;
      if (cmd.trim() === '') throw new Error(`${name}:${i + 1}: blank line before ${SEPARATOR}`);
      commands.push({ line: i + 1, text: cmd });
      i++;
    }
    if (i >= lines.length) throw new Error(`${name}:${commands[0]?.line ?? i}: command block without ${SEPARATOR}`);
    i++; // the separator
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    blocks.push({ preamble: pending, commands, expected });
    pending = [];
  }
  return { blocks, trailer: pending };
}

/** renderScript writes a script back, with `outputs[i]` (if given) in place of block i's expected output. */
export function renderScript(script: Script, outputs?: readonly (readonly string[])[]): string {
  const out: string[] = [];
  script.blocks.forEach((b, i) => {
    out.push(...b.preamble, ...b.commands.map((c) => c.text), SEPARATOR, ...(outputs?.[i] ?? b.expected));
  });
  out.push(...script.trailer);
  return `${out.join('\n')}\n`;
}
