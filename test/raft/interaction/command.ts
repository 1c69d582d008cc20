/**
 * Parsing of one script command line: `name pos1 pos2 key=value key=(a,b)`. Arguments never contain
 * spaces; lists are parenthesised and comma-separated, as in etcd-io/raft's testdata.
 */

/** ParsedCommand is a command line split into its name, positional arguments and key=value arguments. */
export interface ParsedCommand {
  name: string;
  positional: string[];
  named: Map<string, string>;
}

/** CommandError reports a malformed command line: a broken script, not a Raft behaviour. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/** parseCommand splits a command line; `key=value` pairs become named arguments. */
export function parseCommand(text: string): ParsedCommand {
  const tokens = text.trim().split(/\s+/);
  const name = tokens.shift();
  if (name === undefined || name === '') throw new CommandError('empty command');
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (const t of tokens) {
    const eq = t.indexOf('=');
    if (eq > 0 && !t.startsWith('(')) {
      const key = t.slice(0, eq);
      if (named.has(key)) throw new CommandError(`${name}: argument ${key} given twice`);
      named.set(key, t.slice(eq + 1));
    } else {
      positional.push(t);
    }
  }
  return { name, positional, named };
}

/** parseId parses a member ID (a positive integer). */
export function parseId(s: string): bigint {
  if (!/^[1-9][0-9]*$/.test(s)) throw new CommandError(`not a member id: ${JSON.stringify(s)}`);
  return BigInt(s);
}

/** parseIdList parses `(1,2,3)`, `()` or a bare `1` into member IDs. */
export function parseIdList(s: string): bigint[] {
  const inner = s.startsWith('(') && s.endsWith(')') ? s.slice(1, -1) : s;
  if (inner.trim() === '') return [];
  return inner.split(',').map((x) => parseId(x.trim()));
}

/** parseCount parses a non-negative integer argument. */
export function parseCount(s: string, what: string): number {
  if (!/^[0-9]+$/.test(s)) throw new CommandError(`${what}: not a non-negative integer: ${JSON.stringify(s)}`);
  return Number(s);
}

/** parseBool parses `true` or `false`. */
export function parseBool(s: string, what: string): boolean {
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new CommandError(`${what}: want true or false, got ${JSON.stringify(s)}`);
}

/** expectNamed rejects named arguments a command does not know, so a typo cannot silently change a script. */
export function expectNamed(cmd: ParsedCommand, allowed: readonly string[]): void {
  for (const k of cmd.named.keys()) {
    if (!allowed.includes(k)) throw new CommandError(`${cmd.name}: unknown argument ${k}= (allowed: ${allowed.join(', ') || 'none'})`);
  }
}
