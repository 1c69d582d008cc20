/**
 * Continue tokens of paginated lists, in kube-apiserver's format (storage/etcd3 continue.go): base64 of
 * `{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the list prefix>"}`. The next page is read at
 * the same revision from the start key, so a paginated list is one consistent snapshot.
 */
import { StatusError } from '../errors.js';

const VERSION = 'meta.k8s.io/v1';

/** encodeContinue makes the token for the page starting at key (which lies under prefix). */
export function encodeContinue(revision: number, key: string, prefix: string): string {
  const start = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  return Buffer.from(JSON.stringify({ v: VERSION, rv: revision, start })).toString('base64url');
}

/** decodeContinue reads a token back into the revision and the absolute start key; a bad token is a 400. */
export function decodeContinue(token: string, prefix: string): { revision: number; startKey: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw StatusError.badRequest('continue key is not valid: illegal base64 data');
  }
  if (typeof parsed !== 'object' || parsed === null) throw StatusError.badRequest('continue key is not valid: server does not recognize this encoded key');
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (t.v !== VERSION) throw StatusError.badRequest('continue key is not valid: server does not recognize this encoded key');
  if (typeof t.rv !== 'number' || !Number.isSafeInteger(t.rv) || t.rv <= 0) throw StatusError.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof t.start !== 'string' || t.start.includes('..') || t.start.startsWith('/')) throw StatusError.badRequest('continue key is not valid: path traversal not allowed');
  return { revision: t.rv, startKey: `${prefix}${t.start}` };
}
