/**
 * RestClient is the components' way to the API server (client-go's rest.RESTClient plus the verbs of its
 * typed clients): JSON over Node's http/https with kept-alive connections (at most MAX_CONNECTIONS), a bearer
 * token, and the server's CA.
 *
 * Failures: an answer with a failure Status throws the ApiStatusError subclass of its reason (errors.ts);
 * no answer throws a ConnectionError or RequestTimeoutError.
 *
 * Retries, as client-go's request.go and with_retry.go decide them, with exponential backoff and jitter
 * from the injected clock and random:
 * - a connection that was never made (refused, unreachable) is retried for every verb: nothing was sent;
 * - 429 TooManyRequests, and a 5xx that carries Retry-After, is retried for every verb: the server says it
 *   did not act; the pause is the Retry-After;
 * - a broken connection, a timeout and any other 5xx are retried only for idempotent verbs (GET, PUT,
 *   DELETE), never for a POST or PATCH that may have happened — a replayed PUT or DELETE that had in fact
 *   been applied surfaces as Conflict or NotFound, as any optimistic-concurrency retry does.
 * Behind a load balancer a retry goes out on a fresh connection, so it reaches a live replica.
 */
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import type { DeleteOptions, KubeList, ListOptions, Status, StatusReason, WatchEvent, Binding, Scale, KubeObject } from '../../api/index.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { cryptoRandom, type Random } from '../../util/random.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { apiStatusError, ConnectionError, DecodeError, RequestTimeoutError } from './errors.js';
import { loadKubeconfig, type RestConfig } from './kubeconfig.js';
import { PODS, resourcePath, type ResourceDescriptor } from './resource.js';
import { EventChannel, type WatchStream } from './watch-stream.js';

/** Target is where one request goes: its path, and the path with the query string. */
interface Target {
  readonly pathname: string;
  readonly path: string;
}

/**
 * MAX_CONNECTIONS bounds a client's connections for requests. More requests than that wait in the client, first
 * come first served, for a connection an answer frees; every connection made is kept (as many idle ones as
 * busy), so bursts reuse connections instead of opening and closing hundreds. Node's server accepts one
 * connection per turn of its event loop (libuv 1.45 and later), so a busy API server takes new connections at
 * a few dozen a second: bench/scheduler's thousand hollow kubelets, which opened up to 900 at once and closed
 * all but 256 of them when idle, had status writes waiting up to 18 s in the API server's accept queue, none of
 * that time in the API server's handlers. Watches hold a connection each for as long as they run and have
 * connections of their own, outside this bound.
 */
export const MAX_CONNECTIONS = 256;

function droppedError(spec: RequestSpec, target: Target): ConnectionError {
  return new ConnectionError(`${spec.method} ${target.pathname}: dropped before it was sent (the client's scope ended)`, false, false);
}

/** HttpMethod is a verb the client sends. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** PatchType names the three patch formats of the API and maps to their content types. */
export type PatchType = 'merge' | 'strategic' | 'json';

/** PATCH_CONTENT_TYPES are the content types of the patch formats. */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** RestClientOptions configure a RestClient. */
export interface RestClientOptions {
  /** config says where to connect and how to authenticate (loadKubeconfig, or built by hand). */
  config: RestConfig;
  /** clock times requests and backoff; default the system clock. */
  clock?: Clock;
  /** random jitters backoff; default the OS CSPRNG. */
  random?: Random;
  logger?: Logger;
  /** maxConnections bounds the connections requests use (watches aside); default MAX_CONNECTIONS. */
  maxConnections?: number;
  /** requestTimeoutMs bounds one attempt of a request (for a watch: until the headers arrive); default 30 s. */
  requestTimeoutMs?: number;
  /** maxRetries bounds the retries of one request; default 5 (0 disables retries). */
  maxRetries?: number;
  /** backoff shapes the pauses between retries; default 100 ms doubling to 5 s, jitter 0.5. */
  backoff?: BackoffOptions;
  /** userAgent is sent as User-Agent; default `capstan-client`. */
  userAgent?: string;
}

/** RequestSpec is one request in the client's own terms. */
export interface RequestSpec {
  method: HttpMethod;
  path: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** body is sent as JSON (or as given, when a string). */
  body?: unknown;
  /** contentType of the body; default application/json. */
  contentType?: string;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** stream is the open event stream of an accepted watch. */
  stream?: EventChannel<WatchEvent<unknown>>;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'PUT', 'DELETE']);

/** Connection errors raised before the request could leave the machine: retrying can never duplicate it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** TLS verification failures: retrying cannot help. */
const TLS_CODES = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_)/;

const GENERIC_REASONS: Readonly<Record<number, [StatusReason, string]>> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Gone', 'the requested resource is no longer available'],
  415: ['UnsupportedMediaType', 'the server responded with the status code 415 but did not return more information'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function parseRetryAfter(headers: http.IncomingHttpHeaders): number | undefined {
  const v = headers['retry-after'];
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** statusFromResponse turns a failure answer into a Status: the body when it is one, else a generic one. */
function statusFromResponse(res: RawResponse): Status & { code: number; reason: StatusReason } {
  const text = res.body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed !== null && typeof parsed === 'object' && parsed.kind === 'Status') {
      return { ...parsed, code: typeof parsed.code === 'number' && parsed.code !== 0 ? parsed.code : res.status, reason: parsed.reason ?? '' };
    }
  } catch {
    // not JSON: a proxy or a foreign server; build a Status below
  }
  const [reason, message] = GENERIC_REASONS[res.status] ?? ['', `the server responded with the status code ${res.status} but did not return more information`];
  const detail = text.trim() === '' ? '' : ` (${text.trim().slice(0, 200)})`;
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: res.status, reason, message: `${message}${detail}` };
}

/** RestClient sends requests to one API server base URL (a replica, or the load balancer in front of them). */
export class RestClient {
  private readonly base: URL;
  /** basePath is the server URL's path prefix (a proxy mounting the API under /k8s), without a trailing slash. */
  private readonly basePath: string;
  /** agent carries requests (at most maxConnections connections, all kept); watchAgent carries watches. */
  private readonly agent: http.Agent;
  private readonly watchAgent: http.Agent;
  private readonly transport: typeof http | typeof https;
  /** endpoint is the server's protocol, host and port as request options: parsed once, not per request. */
  private readonly endpoint: http.RequestOptions;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger | undefined;
  private readonly requestTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffOptions: BackoffOptions;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly inflight = new Set<http.ClientRequest>();
  private closed = false;
  /**
   * scope, on a client from boundTo, drops its requests still waiting for a connection once it aborts: each
   * request in flight puts its drop in `waiting`, and one listener on the signal runs them (a listener per
   * request cost a node agent's busy client a few percent of its CPU in EventTarget bookkeeping).
   */
  private scope: { readonly signal: AbortSignal; readonly waiting: Set<() => void> } | undefined;

  constructor(options: RestClientOptions) {
    const { config } = options;
    this.base = new URL(config.server);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    const { protocol, hostname, port, auth } = urlToHttpOptions(this.base);
    this.endpoint = { protocol, hostname, port, ...(auth === undefined ? {} : { auth }) };
    const maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
    if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) throw new RangeError(`maxConnections must be a positive whole number, not ${maxConnections}`);
    const pool = { maxSockets: maxConnections, maxFreeSockets: maxConnections };
    if (this.base.protocol === 'https:') {
      this.transport = https;
      const tls = { keepAlive: true, ...(config.caData === undefined ? {} : { ca: config.caData }), rejectUnauthorized: config.insecureSkipTLSVerify !== true };
      this.agent = new https.Agent({ ...tls, ...pool });
      this.watchAgent = new https.Agent(tls);
    } else {
      this.transport = http;
      this.agent = new http.Agent({ keepAlive: true, ...pool });
      this.watchAgent = new http.Agent({ keepAlive: true });
    }
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.log = options.logger?.child({ component: 'rest-client' });
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 5;
    this.backoffOptions = { initialMs: 100, maxMs: 5_000, ...options.backoff };
    this.headers = {
      accept: 'application/json',
      'user-agent': options.userAgent ?? 'capstan-client',
      ...(config.token === undefined ? {} : { authorization: `Bearer ${config.token}` }),
    };
  }

  /** fromKubeconfig builds a client from the kubeconfig at path (its current context, or options.context). */
  static fromKubeconfig(path: string, options: Omit<RestClientOptions, 'config'> & { context?: string } = {}): RestClient {
    const { context, ...rest } = options;
    return new RestClient({ ...rest, config: loadKubeconfig(path, context === undefined ? {} : { context }) });
  }

  /** server is the base URL requests go to. */
  get server(): string {
    return this.base.origin + this.basePath;
  }

  /** request sends spec with retries (see the module comment) and resolves to the decoded JSON answer. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const res = await this.send(spec, false);
    if (res.body.length === 0) return undefined as T;
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch (err) {
      throw new DecodeError(`${spec.method} ${spec.path}: the answer is not JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  /** get reads one object (GET …/NAME[/SUBRESOURCE]). */
  get<T>(r: ResourceDescriptor, namespace: string | undefined, name: string, options: { subresource?: string; resourceVersion?: string } = {}): Promise<T> {
    return this.request<T>({ method: 'GET', path: resourcePath(r, namespace, name, options.subresource), query: { resourceVersion: options.resourceVersion } });
  }

  /** list reads one page of a collection (all namespaces when namespace is undefined). */
  list<T>(r: ResourceDescriptor, namespace: string | undefined, options: ListOptions = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>({ method: 'GET', path: resourcePath(r, namespace), query: listQuery(options) });
  }

  /** create posts a new object (POST …/RESOURCE); a create is never retried once it may have been sent. */
  create<T extends KubeObject>(r: ResourceDescriptor, namespace: string | undefined, obj: T): Promise<T> {
    return this.request<T>({ method: 'POST', path: resourcePath(r, namespace), body: obj });
  }

  /** createSubresource posts to a subresource of name (e.g. pods/NAME/binding). */
  createSubresource<T, B = unknown>(r: ResourceDescriptor, namespace: string | undefined, name: string, subresource: string, body: B): Promise<T> {
    return this.request<T>({ method: 'POST', path: resourcePath(r, namespace, name, subresource), body });
  }

  /**
   * update replaces an object (PUT …/NAME[/SUBRESOURCE]) with optimistic concurrency: obj's
   * metadata.resourceVersion must be current, or the answer is a ConflictError.
   */
  update<T extends KubeObject>(r: ResourceDescriptor, obj: T, options: { subresource?: string } = {}): Promise<T> {
    return this.request<T>({ method: 'PUT', path: resourcePath(r, obj.metadata.namespace, obj.metadata.name ?? '', options.subresource), body: obj });
  }

  /** updateStatus replaces an object's status (PUT …/NAME/status); spec changes in obj are ignored by the server. */
  updateStatus<T extends KubeObject>(r: ResourceDescriptor, obj: T): Promise<T> {
    return this.update(r, obj, { subresource: 'status' });
  }

  /** patch sends a merge, strategic-merge or JSON patch (PATCH …/NAME[/SUBRESOURCE]). */
  patch<T>(r: ResourceDescriptor, namespace: string | undefined, name: string, type: PatchType, patch: unknown, options: { subresource?: string } = {}): Promise<T> {
    return this.request<T>({ method: 'PATCH', path: resourcePath(r, namespace, name, options.subresource), body: patch, contentType: PATCH_CONTENT_TYPES[type] });
  }

  /**
   * delete deletes an object; it resolves to the object (when deletion is graceful or finalizers remain) or
   * to a Success Status (when it is gone at once).
   */
  delete<T = KubeObject>(r: ResourceDescriptor, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<T | Status> {
    return this.request<T | Status>({ method: 'DELETE', path: resourcePath(r, namespace, name), ...(options === undefined ? {} : { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...options } }) });
  }

  /** bind assigns a pod to a node (POST pods/NAME/binding), the scheduler's one write. */
  bind(namespace: string, binding: Binding): Promise<Status> {
    return this.createSubresource<Status, Binding>(PODS, namespace, binding.metadata.name ?? '', 'binding', binding);
  }

  /** getScale reads the scale subresource of a scalable resource (deployments, replicasets). */
  getScale(r: ResourceDescriptor, namespace: string, name: string): Promise<Scale> {
    return this.get<Scale>(r, namespace, name, { subresource: 'scale' });
  }

  /** updateScale writes the scale subresource (spec.replicas), with optimistic concurrency on its resourceVersion. */
  updateScale(r: ResourceDescriptor, scale: Scale): Promise<Scale> {
    return this.update<Scale>(r, scale, { subresource: 'scale' });
  }

  /**
   * watch opens a watch (GET …?watch=1) and resolves once the server accepted it; its events are the JSON
   * lines of the chunked answer. Opening is retried as a GET; a broken stream fails the iteration with a
   * ConnectionError, a clean end (timeoutSeconds) ends it.
   */
  async watch<T>(r: ResourceDescriptor, namespace: string | undefined, options: ListOptions = {}): Promise<WatchStream<T>> {
    const res = await this.send({ method: 'GET', path: resourcePath(r, namespace), query: { ...listQuery(options), watch: 1 } }, true);
    if (res.stream === undefined) throw new DecodeError(`watch ${resourcePath(r, namespace)}: the answer has no event stream`);
    return res.stream as unknown as WatchStream<T>;
  }

  /**
   * boundTo returns a client on this one's connections whose requests, when signal aborts, are dropped if they
   * are still waiting for a connection: they fail at once, as never sent, and never go out. A component's term
   * uses one, so that a leader's writes queued behind its own burst do not reach the API server after it has
   * stopped leading (those already sent are left to finish). Closing this client closes the bound one.
   */
  boundTo(signal: AbortSignal): RestClient {
    const bound = Object.create(this) as RestClient;
    const scope = { signal, waiting: new Set<() => void>() };
    signal.addEventListener('abort', () => { for (const drop of [...scope.waiting]) drop(); }, { once: true });
    bound.scope = scope;
    return bound;
  }

  /** close aborts requests in flight and closes idle connections. */
  close(): void {
    this.closed = true;
    for (const req of this.inflight) req.destroy(new ConnectionError('the client was closed', true, false));
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  private target(spec: RequestSpec): Target {
    const pathname = this.basePath + spec.path;
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined && v !== '') query.set(k, String(v));
    const search = query.size === 0 ? '' : `?${query.toString()}`;
    return { pathname, path: pathname + search };
  }

  /** send runs the attempts of one request; for a watch the answer carries the open event stream. */
  private async send(spec: RequestSpec, watch: boolean): Promise<RawResponse> {
    const target = this.target(spec);
    const body = spec.body === undefined ? undefined : Buffer.from(typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body));
    // Made at the first retry: most requests never need one.
    let backoff: Backoff | undefined;
    for (let attempt = 0; ; attempt++) {
      let res: RawResponse;
      try {
        res = await this.attempt(spec, target, body, watch);
      } catch (err) {
        const retry = this.mayRetryError(spec.method, err) && attempt < this.maxRetries;
        if (!retry) throw err;
        const pauseMs = (backoff ??= new Backoff(this.random, this.backoffOptions)).next();
        this.log?.debug({ method: spec.method, path: spec.path, attempt, pauseMs, err: (err as Error).message }, 'retrying after a connection error');
        await this.pause(pauseMs);
        continue;
      }
      if (res.status < 400) return res;
      const status = statusFromResponse(res);
      const retryAfter = parseRetryAfter(res.headers) ?? status.details?.retryAfterSeconds;
      const error = apiStatusError(status, retryAfter);
      if (!(this.mayRetryStatus(spec.method, res.status, parseRetryAfter(res.headers) !== undefined) && attempt < this.maxRetries)) throw error;
      const pauseMs = retryAfter !== undefined ? retryAfter * 1000 : (backoff ??= new Backoff(this.random, this.backoffOptions)).next();
      this.log?.debug({ method: spec.method, path: spec.path, attempt, pauseMs, code: res.status, reason: status.reason }, 'retrying after a server error');
      await this.pause(pauseMs);
    }
  }

  private mayRetryError(method: HttpMethod, err: unknown): boolean {
    if (this.closed) return false;
    if (err instanceof ConnectionError) return err.retryable && (!err.sent || IDEMPOTENT.has(method));
    if (err instanceof RequestTimeoutError) return IDEMPOTENT.has(method);
    return false;
  }

  private mayRetryStatus(method: HttpMethod, code: number, hasRetryAfter: boolean): boolean {
    if (this.closed) return false;
    if (code === 429) return true;
    if (code >= 500 && code <= 504 && hasRetryAfter) return true;
    return code >= 500 && IDEMPOTENT.has(method);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  private attempt(spec: RequestSpec, target: Target, body: Buffer | undefined, watch: boolean): Promise<RawResponse> {
    if (this.closed) return Promise.reject(new ConnectionError('the client was closed', false, false));
    const scope = this.scope;
    if (scope?.signal.aborted === true) return Promise.reject(droppedError(spec, target));
    return new Promise<RawResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...this.headers };
      if (body !== undefined) {
        headers['content-type'] = spec.contentType ?? 'application/json';
        headers['content-length'] = String(body.length);
      }
      let settled = false;
      let gotResponse = false;
      const req = this.transport.request({ ...this.endpoint, path: target.path, method: spec.method, agent: watch ? this.watchAgent : this.agent, headers });
      this.inflight.add(req);
      // A request still waiting for one of the client's connections (see MAX_CONNECTIONS) never left: it fails
      // at once, as not sent, and never goes out — Node would fail it only once a connection came free for it.
      const dropIfWaiting = (err: ConnectionError): boolean => {
        if (req.socket !== null) return false;
        finish(() => reject(err));
        req.destroy();
        return true;
      };
      const timer = this.clock.setTimeout(() => {
        if (dropIfWaiting(new ConnectionError(`${spec.method} ${target.pathname}: no connection free within ${this.requestTimeoutMs} ms`, false))) return;
        req.destroy(new RequestTimeoutError(`${spec.method} ${target.pathname}: no answer within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      // A bound client's waiting requests are dropped when its scope ends; those already sent finish.
      const onScopeEnd = (): void => void dropIfWaiting(droppedError(spec, target));
      scope?.waiting.add(onScopeEnd);
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        scope?.waiting.delete(onScopeEnd);
        fn();
      };
      const classify = (err: Error): Error => {
        if (err instanceof RequestTimeoutError || err instanceof ConnectionError) return err;
        const code = errorCode(err);
        const tls = TLS_CODES.test(code);
        // A keep-alive socket the server had already closed fails before the request reaches anyone; only a
        // request that went out on it could have been acted on.
        return new ConnectionError(`${spec.method} ${this.base.origin}${target.pathname}: ${err.message}`, !NOT_SENT_CODES.has(code), !tls, { cause: err });
      };
      req.on('error', (err) => {
        this.inflight.delete(req);
        finish(() => reject(classify(err)));
      });
      req.on('response', (res) => {
        gotResponse = true;
        if (watch && res.statusCode !== undefined && res.statusCode < 400) {
          finish(() => resolve(this.watchResponse(req, res)));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          this.inflight.delete(req);
          finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        });
        res.on('error', (err) => {
          this.inflight.delete(req);
          finish(() => reject(classify(err)));
        });
        res.on('aborted', () => {
          this.inflight.delete(req);
          finish(() => reject(new ConnectionError(`${spec.method} ${target.pathname}: the connection broke mid-answer`, true)));
        });
      });
      req.on('close', () => {
        this.inflight.delete(req);
        if (!gotResponse) finish(() => reject(new ConnectionError(`${spec.method} ${target.pathname}: the connection closed before an answer`, true)));
      });
      req.end(body);
    });
  }

  /** watchResponse turns an accepted watch answer into an event stream (JSON lines, possibly split across chunks). */
  private watchResponse(req: http.ClientRequest, res: http.IncomingMessage): RawResponse {
    const stream = new EventChannel<WatchEvent<unknown>>(() => req.destroy());
    // What is left of the last chunk after its last newline: the start of a line that continues in the next.
    let rest = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      // One pass over the chunk (a busy stream's chunk holds many lines): no copy of what is still to read.
      const text = rest === '' ? chunk : rest + chunk;
      let start = 0;
      // What was left holds no newline: the first one can only be in the new chunk.
      let nl = text.indexOf('\n', rest.length);
      for (; nl >= 0; nl = text.indexOf('\n', start)) {
        const line = text.slice(start, nl);
        start = nl + 1;
        if (line.trim() === '') continue;
        try {
          stream.push(JSON.parse(line) as WatchEvent<unknown>);
        } catch (err) {
          stream.fail(new DecodeError(`watch event is not JSON: ${(err as Error).message}`, { cause: err }));
          req.destroy();
          return;
        }
      }
      rest = start === 0 ? text : text.slice(start);
    });
    res.on('end', () => {
      this.inflight.delete(req);
      stream.end();
    });
    const broken = (err?: Error): void => {
      this.inflight.delete(req);
      stream.fail(new ConnectionError(`the watch stream broke: ${err?.message ?? 'connection closed'}`, true, true, err === undefined ? undefined : { cause: err }));
    };
    res.on('error', broken);
    res.on('aborted', () => broken());
    req.on('close', () => {
      this.inflight.delete(req);
      if (!res.complete) broken();
      else stream.end();
    });
    return { status: res.statusCode ?? 200, headers: res.headers, body: Buffer.alloc(0), stream };
  }
}

/** listQuery renders ListOptions as query parameters. */
export function listQuery(options: ListOptions): Record<string, string | number | boolean | undefined> {
  return {
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    resourceVersion: options.resourceVersion,
    resourceVersionMatch: options.resourceVersionMatch,
    timeoutSeconds: options.timeoutSeconds,
    limit: options.limit,
    continue: options.continue,
    allowWatchBookmarks: options.allowWatchBookmarks === true ? true : undefined,
    sendInitialEvents: options.sendInitialEvents,
  };
}
