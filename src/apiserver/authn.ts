/**
 * TokenAuthenticator checks bearer tokens against a static token file, as kube-apiserver's
 * --token-auth-file: a CSV with one `token,user,uid[,"group1,group2"]` per line. Requests without a valid
 * token are unauthenticated (401 on the secure port).
 */
import { readFileSync } from 'node:fs';
import { CapstanError } from '../util/errors.js';

/** UserInfo is who a request comes from. */
export interface UserInfo {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

/** TokenFileError reports a malformed token file at start. */
export class TokenFileError extends CapstanError {
  constructor(message: string) {
    super(message, 'TOKEN_FILE', false);
  }
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** TokenAuthenticator: see the module comment. */
export class TokenAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();

  /** parse reads the token file's text; a line with fewer than three fields is an error naming the line. */
  static parse(text: string): TokenAuthenticator {
    const a = new TokenAuthenticator();
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const f = parseCsvLine(line);
      if (f.length < 3 || f[0] === '' || f[1] === '') throw new TokenFileError(`token file: line ${i + 1}: want token,user,uid[,groups]`);
      const groups = f[3] === undefined || f[3] === '' ? [] : f[3].split(',').map((g) => g.trim());
      a.tokens.set(f[0]!, { name: f[1]!, uid: f[2]!, groups: [...groups, 'system:authenticated'] });
    });
    return a;
  }

  /** fromFile reads and parses a token file. */
  static fromFile(path: string): TokenAuthenticator {
    return TokenAuthenticator.parse(readFileSync(path, 'utf8'));
  }

  /** authenticate returns the user of an Authorization header, or undefined. */
  authenticate(authorization: string | undefined): UserInfo | undefined {
    if (authorization === undefined) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return m === null ? undefined : this.tokens.get(m[1]!);
  }
}
