/**
 * TokenAuthenticator checks bearer tokens against a static token file, as kube-apiserver's
 * --token-auth-file: a CSV with one `token,user,uid[,"group1,group2"]` per line. Requests without a valid
 * token are unauthenticated (401 on the secure port).
 */
import { readFileSync } from 'node:fs';
import { isDNS1123Label, isDNS1123Subdomain } from '../api/validation.js';
import { CapstanError } from '../util/errors.js';

/** UserInfo is who a request comes from. */
export interface UserInfo {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
  /** extra is what an authenticator adds (here: what an impersonating request asks for), by key. */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
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

/**
 * ImpersonationError is impersonation headers kube refuses: groups, a uid or extras without a user. Its message
 * is kube's (`requested [{Group  dev    }] without impersonating a user`, the requests as Go's `%v` of
 * ObjectReferences); kube answers it as a plain-text 500.
 */
export class ImpersonationError extends CapstanError {
  constructor(message: string) {
    super(message, 'IMPERSONATION', false);
  }
}

const IMPERSONATE_USER = 'impersonate-user';
const IMPERSONATE_UID = 'impersonate-uid';
const IMPERSONATE_GROUP = 'impersonate-group';
const IMPERSONATE_EXTRA = 'impersonate-extra-';
const IMPERSONATE_PREFIX = 'impersonate-';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const AUTHENTICATION_V1 = 'authentication.k8s.io/v1';

/** objectReference is Go's `%v` of a core/v1 ObjectReference: its seven fields, space-separated, in braces. */
function objectReference(kind: string, name: string, apiVersion = '', fieldPath = ''): string {
  return `{${[kind, '', name, '', apiVersion, '', fieldPath].join(' ')}}`;
}

/**
 * serviceAccountOf is serviceaccount.SplitUsername: the namespace of `system:serviceaccount:<ns>:<name>`, or
 * undefined when the name is not that (two parts, a valid namespace and a valid service account name).
 */
function serviceAccountOf(username: string): string | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2 || isDNS1123Label(parts[0]!).length > 0 || isDNS1123Subdomain(parts[1]!).length > 0) return undefined;
  return parts[0];
}

/** unescapeExtraKey is url.PathUnescape of a lower-cased extra key, which stays as it is when it does not unescape. */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/**
 * asksImpersonation reports whether a request's raw headers (name, value, name, value, …) carry any
 * Impersonate-* header: a scan of the names alone, so that the common request skips building every header's
 * list of values (Node's headersDistinct) only to find none.
 */
export function asksImpersonation(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length >= IMPERSONATE_PREFIX.length && name.slice(0, IMPERSONATE_PREFIX.length).toLowerCase() === IMPERSONATE_PREFIX) return true;
  }
  return false;
}

/**
 * impersonated returns the user a request acts as when it carries kube's impersonation headers
 * (`Impersonate-User`, `Impersonate-Uid`, `Impersonate-Group`, `Impersonate-Extra-<key>`: kubectl's `--as`,
 * `--as-uid`, `--as-group`), or undefined when it carries none. Everyone may impersonate anyone: capstan
 * authorizes everything (AlwaysAllow). As kube's impersonation filter: a service account's name brings its
 * groups when none are given; `system:authenticated` is added unless that or `system:unauthenticated` is
 * given (`system:unauthenticated` for `system:anonymous`); extra keys are lower-cased, then unescaped.
 */
export function impersonated(headers: Readonly<Record<string, readonly string[] | undefined>>): UserInfo | undefined {
  const name = headers[IMPERSONATE_USER]?.[0] ?? '';
  const uid = headers[IMPERSONATE_UID]?.[0] ?? '';
  const requested = [...(headers[IMPERSONATE_GROUP] ?? [])];
  const extra: Record<string, string[]> = {};
  for (const [header, values] of Object.entries(headers)) {
    if (!header.startsWith(IMPERSONATE_EXTRA) || values === undefined) continue;
    const key = unescapeExtraKey(header.slice(IMPERSONATE_EXTRA.length).toLowerCase());
    extra[key] = [...(extra[key] ?? []), ...values];
  }
  if (name === '') {
    const requests = [
      ...requested.map((g) => objectReference('Group', g)),
      ...Object.entries(extra).flatMap(([key, values]) => values.map((v) => objectReference('UserExtra', v, AUTHENTICATION_V1, key))),
      ...(uid === '' ? [] : [objectReference('UID', uid, AUTHENTICATION_V1)]),
    ];
    if (requests.length > 0) throw new ImpersonationError(`requested [${requests.join(' ')}] without impersonating a user`);
    return undefined;
  }
  let groups = requested;
  const namespace = serviceAccountOf(name);
  if (groups.length === 0 && namespace !== undefined) groups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
  if (name === 'system:anonymous') {
    if (!groups.includes('system:unauthenticated')) groups = [...groups, 'system:unauthenticated'];
  } else if (!groups.includes('system:authenticated') && !groups.includes('system:unauthenticated')) {
    groups = [...groups, 'system:authenticated'];
  }
  return { name, uid, groups, ...(Object.keys(extra).length === 0 ? {} : { extra }) };
}
