/**
 * renderSystemdUnit writes a systemd unit file (systemd.unit(5)): sections of `Key=value` lines in the
 * order given, with a long ExecStart= broken into one flag per line by trailing backslashes, which systemd
 * joins back into one command line. Values are written as they are: callers pass only plain words (no
 * quotes, no `%` specifiers, no `$` expansions), which the topology guarantees.
 */

/** UnitEntry is one `Key=value` line; a value that is a list of words is an ExecStart-like command line. */
export type UnitEntry = readonly [key: string, value: string | readonly string[]];

/** UnitSection is one `[Name]` section. */
export interface UnitSection {
  readonly name: string;
  readonly entries: readonly UnitEntry[];
}

/** renderSystemdUnit renders the sections after header comment lines (with a trailing newline). */
export function renderSystemdUnit(header: readonly string[], sections: readonly UnitSection[]): string {
  const lines = header.map((h) => (h === '' ? '#' : `# ${h}`));
  for (const s of sections) {
    if (lines.length > 0) lines.push('');
    lines.push(`[${s.name}]`);
    for (const [key, value] of s.entries) {
      if (typeof value === 'string') {
        lines.push(`${key}=${value}`);
        continue;
      }
      const [first, ...rest] = value;
      // the command and its subcommand on the first line, then one flag per line
      const head = rest.length > 0 && !rest[0]!.startsWith('-') ? [first, rest.shift()] : [first];
      const words = [head.join(' '), ...rest.map((w) => `    ${w}`)];
      lines.push(`${key}=${words.join(' \\\n')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
