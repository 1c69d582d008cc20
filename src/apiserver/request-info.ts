/**
 * parseRequestInfo reads what a request is about from its method, path and query, as apiserver's
 * RequestInfoFactory does: `/api/v1/namespaces/default/pods/web-1/status` is a `get` (or `update` …) of
 * the `status` subresource of pod `web-1` in `default`; a GET of a collection is `list`, or `watch` with
 * `?watch=1` (or the legacy `/api/v1/watch/...` prefix); a DELETE of a collection is `deletecollection`.
 * Paths outside /api and /apis are not resource requests (discovery, health, metrics).
 */

import { StatusError } from './errors.js';

/** RequestInfo is a parsed resource request. */
export interface RequestInfo {
  /** verb is the Kubernetes verb; `unsupported` for an HTTP method the API does not serve (405). */
  readonly verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'unsupported';
  readonly group: string;
  readonly version: string;
  /** namespace is '' for cluster-scoped requests and for lists across all namespaces. */
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /** dryRun (`?dryRun=All` on a write) asks for everything but the write to the store. */
  readonly dryRun?: boolean;
}

/** DiscoveryPath is a path of the discovery tree: /api, /apis, /apis/<group>, /api/v1, /apis/<group>/<version>. */
export interface DiscoveryPath {
  readonly discovery: 'api' | 'apis' | 'group' | 'version';
  readonly group: string;
  readonly version: string;
}

/**
 * queryFlag reads a boolean query parameter (watch, allowWatchBookmarks, orphanDependents) as kube's query
 * conversion does (Convert_Slice_string_To_bool): absent is undefined; `0`, `f` and `false` in any case are false;
 * anything else, the empty value too, is true.
 */
export function queryFlag(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  const lower = v.toLowerCase();
  return !(lower === '0' || lower === 'f' || lower === 'false');
}

function isWatch(query: URLSearchParams): boolean {
  return queryFlag(query, 'watch') === true;
}

/**
 * parseRequestInfo parses a resource request, returns a DiscoveryPath for a discovery path, or undefined for
 * a path outside the API.
 */
export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo | DiscoveryPath | undefined {
  // Empty segments are not collapsed (`/namespaces//pods` names no namespace); one trailing slash is allowed.
  const raw = pathname.replace(/\/$/, '').split('/').slice(1);
  let parts: string[];
  try {
    parts = raw.map(decodeURIComponent);
  } catch {
    throw StatusError.badRequest(`invalid request path: ${JSON.stringify(pathname)}`);
  }
  if (parts.slice(1).some((p) => p === '')) throw StatusError.notFoundPath();
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { discovery: 'api', group: '', version: '' };
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { discovery: 'apis', group: '', version: '' };
    if (parts.length === 2) return { discovery: 'group', group: parts[1]!, version: '' };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return { discovery: 'version', group, version };
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    // namespaces/<ns>/<resource>/…, except namespaces/<ns>/status and /finalize (subresources of a namespace).
    if (rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize')) {
      rest = ['namespaces', rest[1]!, rest[2]!];
    } else {
      namespace = rest[1]!;
      rest = rest.slice(2);
    }
  }
  const resource = rest[0] ?? '';
  const name = rest[1] ?? '';
  const subresource = rest.slice(2).join('/');
  const m = method.toUpperCase();
  let verb: RequestInfo['verb'];
  if (watchPrefix || (m === 'GET' && isWatch(query))) verb = 'watch';
  else if (m === 'GET' || m === 'HEAD') verb = name === '' ? 'list' : 'get';
  else if (m === 'POST') verb = 'create';
  else if (m === 'PUT') verb = 'update';
  else if (m === 'PATCH') verb = 'patch';
  else if (m === 'DELETE') verb = name === '' ? 'deletecollection' : 'delete';
  else verb = 'unsupported';
  const dryRun = query.getAll('dryRun');
  for (const v of dryRun) if (v !== 'All') throw StatusError.badRequest(`dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`);
  return { verb, group, version, namespace, resource, subresource, name, ...(dryRun.length > 0 ? { dryRun: true } : {}) };
}

/** isDiscovery tells a DiscoveryPath from a RequestInfo. */
export function isDiscovery(x: RequestInfo | DiscoveryPath): x is DiscoveryPath {
  return 'discovery' in x;
}
