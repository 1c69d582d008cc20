/**
 * ApiServer is one `capstan apiserver` replica: the HTTP shell around the REST handlers. It keeps no state
 * but an etcd client (every replica serves the same store, so any can die at any moment) and serves:
 *
 * - the secure port (HTTPS with the given certificate; bearer tokens from a token file; unauthenticated
 *   requests get 401 except /healthz, /livez, /readyz and /version, which Kubernetes opens to everyone);
 * - an optional insecure port, plain HTTP without authentication, which only binds to loopback;
 * - /healthz /livez /readyz (ready when the store answers), /metrics, /version, /openapi/v3 (the schemas of
 *   the served kinds, openapi.ts) and /openapi/v2 (an empty document: kubectl 1.20 validates nothing itself),
 *   discovery, and the resources of the registry with kube-apiserver's verbs and status codes.
 *
 * Request bodies are JSON, YAML or Kubernetes protobuf, at most maxRequestBytes (413 beyond). Responses are
 * JSON, or protobuf when the client prefers it and the body has a protobuf schema (protobuf/negotiate.ts);
 * a watch is a chunked stream of JSON lines or of length-prefixed protobuf frames. Discovery is always JSON.
 * Every failure is answered with a Status (status-table.ts).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FieldError, FieldPath, POLICY_GROUP, type Binding, type DeleteOptions, type Eviction, type KubeList, type KubeObject, type Namespace, type Scale, type WatchEvent } from '../api/index.js';
import { EtcdClient } from '../store/client/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Random } from '../util/random.js';
import { asksImpersonation, ImpersonationError, impersonated, type TokenAuthenticator, type UserInfo } from './authn.js';
import { builtinAdmission } from './builtin-admission.js';
import { StatusError } from './errors.js';
import { RestHandlers, type Answer } from './handlers.js';
import { createApiServerMetrics, type ApiServerMetrics } from './metrics.js';
import type { ResourceRegistry } from './registry.js';
import { OpenApiDocuments } from './openapi.js';
import { isDiscovery, parseRequestInfo, queryFlag, type RequestInfo } from './request-info.js';
import { apiVersionOf, type ResourceType } from './resource.js';
import { toStatusError } from './status-table.js';
import { checkBodyFields, checkPatchedFields, fieldValidationOf, patchBodyProblems, PROBLEM_LIMIT, type FieldCheck } from './field-validation.js';
import { decodeYaml, repeatedJsonKeys, type RepeatedKey } from './repeated-keys.js';
import { walkSchema } from './schema-walk.js';
import { WarningRecorder } from './warnings.js';
import { ObjectStore } from './storage/object-store.js';
import { LeaseManager } from './storage/lease-manager.js';
import {
  decodeProtobufObject,
  encodeProtobufObject,
  encodeProtobufWatchFrame,
  PROTOBUF_MEDIA_TYPE,
  PROTOBUF_WATCH_MEDIA_TYPE,
  protobufBody,
  UnencodableObjectError,
  messageForKind,
  watchInProtobuf,
} from './protobuf/index.js';
import { startWatch } from './watch.js';
import { WatchWriter } from './watch-writer.js';
import { WatchCaches } from './watch-cache.js';
import { acceptedPatchMediaTypes, applyPatch, goMarshal, goV, patchTypeFromContentType, UnsupportedPatchTypeError, type GroupVersionKindRef, type JsonValue } from './patch/index.js';
import { jsonKind } from './patch/go-json.js';
import {
  asPartialObjectMetadata,
  asPartialObjectMetadataList,
  listToTable,
  negotiateOutput,
  objectToTable,
  parseTableOptions,
  partialObjectMetadataListOfObjectError,
  partialObjectMetadataOfListError,
  tableConvertorFor,
  WatchTransformer,
  type NegotiatedOutput,
} from './tables/index.js';
import { KubernetesServiceController, type KubernetesServiceOptions } from './kubernetes-service.js';
import { LISTEN_BACKLOG } from '../util/listen.js';

/** KUBERNETES_VERSION is the Kubernetes version capstan reports (/version), which clients compare against their own. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-capstan' };

/** ApiServerConfig configures one replica. */
export interface ApiServerConfig {
  readonly etcdServers: readonly string[];
  readonly etcdPrefix: string;
  /** secure is the HTTPS listener, if any. */
  readonly secure?: { readonly host: string; readonly port: number; readonly cert: string; readonly key: string };
  /** insecure is the plain-HTTP loopback listener, if any. */
  readonly insecure?: { readonly host: string; readonly port: number };
  /** tokens authenticate the secure port; without them every secure request is refused with 401. */
  readonly tokens?: TokenAuthenticator;
  /** maxRequestBytes bounds a request body (kube-apiserver's 3 MiB). */
  readonly maxRequestBytes: number;
  readonly bookmarkIntervalMs: number;
  /** watchFlushIntervalMs is the shortest time between two socket writes of one watch stream (watch-writer.ts). */
  readonly watchFlushIntervalMs: number;
  /** watchCacheSize is the window of recent changes of each resource's watch cache. */
  readonly watchCacheSize: number;
  /** eventTtlSeconds is how long events are kept (kube-apiserver's --event-ttl). */
  readonly eventTtlSeconds: number;
  /** minRequestTimeoutSeconds bounds a watch's timeoutSeconds (kube-apiserver's --min-request-timeout). */
  readonly minRequestTimeoutSeconds: number;
  /**
   * kubernetesService, with a secure listener, keeps the `kubernetes` Service and Endpoints publishing this
   * replica at its address and secure port (kubernetes-service.ts).
   */
  readonly kubernetesService?: Omit<KubernetesServiceOptions, 'self'> & { readonly address: string };
}

/** ApiServerDeps are what the replica is given rather than creates. */
export interface ApiServerDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly registry: ResourceRegistry;
}

/** Listening is where a started replica listens. */
export interface Listening {
  readonly securePort?: number;
  readonly insecurePort?: number;
}

/** METRIC_VERBS are the verb labels of kube-apiserver's request metrics. */
const METRIC_VERBS: Readonly<Record<RequestInfo['verb'], string>> = {
  get: 'GET',
  list: 'LIST',
  watch: 'WATCH',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETE',
  unsupported: 'UNKNOWN',
};

/** KNOWN_SUBRESOURCES label request metrics; any other path suffix counts as `unknown` (bounded cardinality). */
const KNOWN_SUBRESOURCES = new Set(['', 'status', 'scale', 'binding', 'eviction', 'finalize']);

/** SERVED_MEDIA_TYPES are the media types resource responses come in, preferred first. */
const SERVED_MEDIA_TYPES = ['application/json', PROTOBUF_MEDIA_TYPE];

/** MAX_UNREAD_WATCH_BYTES is how much of a watch stream may wait unread before the watch is ended. */
const MAX_UNREAD_WATCH_BYTES = 16 * 1024 * 1024;

/** INSECURE_USER is who requests to the insecure port come from (kube-apiserver's old insecure superuser). */
const INSECURE_USER: UserInfo = { name: 'system:unsecured', uid: '', groups: ['system:masters', 'system:authenticated'] };

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);
const JSON_TYPE = 'application/json';

/** HTML_SANITIZE is the escaping of Go's http.Error sanitizer. */
const HTML_SANITIZE: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** PatchReader applies a PATCH body; its warnings are those of its last application (a retried update). */
interface PatchReader {
  readonly apply: (current: KubeObject, kind: GroupVersionKindRef) => KubeObject;
  readonly warnings: () => readonly string[];
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** ApiServer: see the module comment. */
export class ApiServer {
  private readonly client: EtcdClient;
  private readonly store: ObjectStore;
  private readonly handlers: RestHandlers;
  private readonly openapi: OpenApiDocuments;
  private readonly caches: WatchCaches;
  private readonly metrics: ApiServerMetrics;
  private readonly log: Logger;
  private readonly servers: http.Server[] = [];
  private readonly watches = new Set<() => void>();
  private kubernetesService: KubernetesServiceController | undefined;
  /** eventLines are the JSON lines of watch events, by object (weakly: they go with the cached objects). */
  private readonly eventLines = new WeakMap<object, Map<string, string>>();
  private stopping = false;

  private constructor(
    private readonly cfg: ApiServerConfig,
    private readonly deps: ApiServerDeps,
  ) {
    if (cfg.insecure !== undefined && !isLoopback(cfg.insecure.host)) throw new Error(`the insecure port may only bind to loopback, not ${cfg.insecure.host}`);
    this.log = deps.log.child({ component: 'apiserver' });
    this.client = new EtcdClient({ endpoints: cfg.etcdServers, logger: deps.log, clock: deps.clock, random: deps.random });
    this.store = new ObjectStore(this.client, cfg.etcdPrefix);
    this.caches = new WatchCaches(this.store, this.log, cfg.watchCacheSize, deps.clock);
    this.openapi = new OpenApiDocuments(deps.registry.resources);
    this.handlers = new RestHandlers(
      this.store,
      this.caches,
      deps.clock,
      deps.random,
      deps.registry.lookup('', 'v1', 'namespaces'),
      { leases: new LeaseManager(this.client, deps.clock), ttlSeconds: cfg.eventTtlSeconds },
      builtinAdmission(deps.registry, this.caches, this.store, deps.clock),
    );
    this.metrics = createApiServerMetrics();
  }

  /**
   * start connects to the store, creates the system namespaces if they are missing (as kube-apiserver's
   * bootstrap controller does), opens the listeners, then keeps the `kubernetes` Service if configured.
   */
  static async start(cfg: ApiServerConfig, deps: ApiServerDeps): Promise<{ server: ApiServer; listening: Listening }> {
    const s = new ApiServer(cfg, deps);
    try {
      await s.handlers.ensureSystemObjects(deps.registry);
      const listening: { securePort?: number; insecurePort?: number } = {};
      if (cfg.secure !== undefined) {
        const srv = https.createServer({ cert: cfg.secure.cert, key: cfg.secure.key }, (req, res) => s.serve(req, res, true));
        listening.securePort = await s.listen(srv, cfg.secure.host, cfg.secure.port);
      }
      if (cfg.insecure !== undefined) {
        const srv = http.createServer((req, res) => s.serve(req, res, false));
        listening.insecurePort = await s.listen(srv, cfg.insecure.host, cfg.insecure.port);
      }
      const services = deps.registry.lookup('', 'v1', 'services');
      const endpoints = deps.registry.lookup('', 'v1', 'endpoints');
      const endpointSlices = deps.registry.lookup('discovery.k8s.io', 'v1', 'endpointslices');
      if (cfg.kubernetesService !== undefined && listening.securePort !== undefined && services !== undefined && endpoints !== undefined) {
        const { address, ...opts } = cfg.kubernetesService;
        s.kubernetesService = new KubernetesServiceController(
          {
            handlers: s.handlers,
            store: s.store,
            client: s.client,
            services,
            endpoints,
            ...(endpointSlices === undefined ? {} : { endpointSlices }),
            clock: deps.clock,
            log: s.log,
          },
          { ...opts, self: { ip: address, port: listening.securePort } },
        );
        s.kubernetesService.start();
      }
      s.log.info({ ...listening, etcdServers: cfg.etcdServers }, 'apiserver: serving');
      return { server: s, listening };
    } catch (err) {
      await s.stop();
      throw err;
    }
  }

  private async listen(srv: http.Server, host: string, port: number): Promise<number> {
    srv.keepAliveTimeout = 65_000;
    srv.headersTimeout = 70_000;
    // A request's headers and body must arrive within a minute (watches are GETs: their request is short).
    srv.requestTimeout = 60_000;
    this.servers.push(srv);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host, port, backlog: LISTEN_BACKLOG }, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    return (srv.address() as AddressInfo).port;
  }

  /** stop ends every watch, closes the listeners and the etcd client. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Out of the `kubernetes` Endpoints first, while the store is still reachable.
    await this.kubernetesService?.stop();
    for (const stop of [...this.watches]) stop();
    this.caches.close();
    for (const srv of this.servers) {
      srv.closeIdleConnections();
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        setTimeout(() => srv.closeAllConnections(), 2_000).unref();
      });
    }
    this.client.close();
  }

  /** serve handles one request; nothing a request does may end the process, so a last-resort catch answers 500. */
  private serve(req: http.IncomingMessage, res: http.ServerResponse, secure: boolean): void {
    this.handle(req, res, secure).catch((err: unknown) => {
      this.log.error({ err }, 'apiserver: request failed outside its handler');
      if (!res.headersSent) this.send(res, 500, StatusError.internal(err).status);
      else res.destroy();
    });
  }

  private sendWarnings(res: http.ServerResponse, warnings: WarningRecorder): void {
    const headers = warnings.headers();
    if (headers.length > 0) res.setHeader('warning', headers);
  }

  /** impersonate is the user a request acts as through impersonation headers (authn.ts), logged. */
  private impersonate(requestor: UserInfo, req: http.IncomingMessage): UserInfo | undefined {
    if (!asksImpersonation(req.rawHeaders)) return undefined;
    const acting = impersonated(req.headersDistinct);
    if (acting !== undefined) this.log.debug({ user: requestor.name, as: acting.name, groups: acting.groups }, 'apiserver: request acts as another user');
    return acting;
  }

  /**
   * internalErrorText answers as kube's responsewriters.InternalError, which the impersonation filter uses:
   * a plain-text 500 `Internal Server Error: "<URI>": <error>`, HTML-escaped as Go's http.Error sanitizer does.
   */
  private internalErrorText(req: http.IncomingMessage, res: http.ServerResponse, err: Error): number {
    const text = `Internal Server Error: ${JSON.stringify(req.url ?? '')}: ${err.message}`.replace(/[&<>"']/g, (c) => HTML_SANITIZE[c]!);
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
    res.end(`${text}\n`);
    return 500;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, secure: boolean): Promise<void> {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL | undefined;
    let info: RequestInfo | undefined;
    let code = 500;
    const warnings = new WarningRecorder();
    try {
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        throw StatusError.badRequest(`invalid request URI: ${JSON.stringify(req.url ?? '')}`);
      }
      // The insecure port's requests are the superuser's, as kube-apiserver's insecure port had them.
      let user: UserInfo = INSECURE_USER;
      if (secure && !PUBLIC_PATHS.has(url.pathname)) {
        const authenticated = this.cfg.tokens?.authenticate(req.headers.authorization);
        if (authenticated === undefined) throw StatusError.unauthorized();
        user = authenticated;
      }
      try {
        user = this.impersonate(user, req) ?? user;
      } catch (err) {
        if (!(err instanceof ImpersonationError)) throw err;
        code = this.internalErrorText(req, res, err);
        return;
      }
      const parsed = parseRequestInfo(method, url.pathname, url.searchParams);
      if (parsed === undefined) {
        code = await this.handleNonResource(url.pathname, res);
        return;
      }
      if (isDiscovery(parsed)) {
        code = this.handleDiscovery(parsed.discovery, parsed.group, parsed.version, req, res);
        return;
      }
      info = parsed;
      const r = this.deps.registry.lookup(info.group, info.version, info.resource);
      if (r === undefined) throw StatusError.notFoundPath();
      const output = negotiateOutput(req.headers.accept, { mediaTypes: SERVED_MEDIA_TYPES });
      if (info.verb === 'watch') {
        code = 200;
        await this.serveWatch(r, info, url.searchParams, res, output, req.headers.accept);
        return;
      }
      const answer = await this.dispatch(r, info, url.searchParams, req, user, warnings);
      code = answer.code;
      this.sendWarnings(res, warnings);
      this.send(res, answer.code, this.transform(r, info, answer.body, output, url.searchParams), req.headers.accept);
    } catch (err) {
      const se = toStatusError(err);
      if (se.httpCode >= 500) this.log.error({ err, method, path: url?.pathname ?? req.url }, 'apiserver: request failed');
      code = se.httpCode;
      if (!res.headersSent) {
        // As kube's recorder, warnings go out with a refusal too (a Warn create that validation then refuses).
        this.sendWarnings(res, warnings);
        // As kube's ErrorNegotiated: a refusal that says when to retry says it in Retry-After too.
        const retryAfter = se.status.details?.retryAfterSeconds ?? 0;
        if (retryAfter > 0) res.setHeader('retry-after', String(retryAfter));
        this.send(res, se.httpCode, se.status, req.headers.accept);
      } else res.end();
    } finally {
      if (info !== undefined && info.verb !== 'watch' && this.deps.registry.lookup(info.group, info.version, info.resource) !== undefined) {
        const subresource = KNOWN_SUBRESOURCES.has(info.subresource) ? info.subresource : 'unknown';
        const labels = { verb: METRIC_VERBS[info.verb], group: info.group, version: info.version, resource: info.resource, subresource };
        this.metrics.requests.inc({ ...labels, code: String(code) });
        this.metrics.duration.observe(labels, (performance.now() - started) / 1000);
      }
    }
  }

  /**
   * transform turns a get's or list's body into what the Accept header asked for: a Table (with kubectl's
   * columns), PartialObjectMetadata(List), or the object itself (handlers/response.go).
   */
  private transform(r: ResourceType, info: RequestInfo, body: unknown, output: NegotiatedOutput, query: URLSearchParams): unknown {
    const target = output.target;
    if (target.kind === 'Object' || (info.verb !== 'get' && info.verb !== 'list')) return body;
    const isList = info.verb === 'list';
    const objectKind = { apiVersion: apiVersionOf(r), kind: r.kind };
    switch (target.kind) {
      case 'Table': {
        const { includeObject } = parseTableOptions(query);
        const convertor = tableConvertorFor(r.group, info.subresource === '' ? r.resource : `${r.resource}/${info.subresource}`);
        const opts = { now: this.deps.clock.now(), version: target.version, includeObject, objectKind };
        return isList ? listToTable(convertor, body as KubeList<KubeObject>, opts) : objectToTable(convertor, body as KubeObject, opts);
      }
      case 'PartialObjectMetadata':
        if (isList) throw partialObjectMetadataOfListError(r.group, `${r.kind}List`);
        return asPartialObjectMetadata(body as KubeObject, target.version);
      case 'PartialObjectMetadataList':
        if (!isList) throw partialObjectMetadataListOfObjectError(r.group, r.kind);
        return asPartialObjectMetadataList(body as KubeList<KubeObject>, target.version);
    }
  }

  /** send answers body as JSON, or as protobuf when accept prefers it and body can be encoded. */
  private send(res: http.ServerResponse, code: number, body: unknown, accept?: string): void {
    let encoded: Buffer | undefined;
    try {
      encoded = protobufBody(body, accept);
    } catch (err) {
      // Protobuf is all the client accepts and body has no protobuf form: a 406 Status, itself in protobuf.
      const se = toStatusError(err);
      code = se.httpCode;
      encoded = encodeProtobufObject(se.status);
    }
    if (encoded !== undefined) {
      res.writeHead(code, { 'content-type': PROTOBUF_MEDIA_TYPE, 'content-length': encoded.length, 'cache-control': 'no-cache, private' });
      res.end(encoded);
      return;
    }
    const text = JSON.stringify(body);
    if (res.hasHeader('warning')) {
      // Node writes the headers with a string body in the body's encoding (UTF-8), and alone in Latin-1: warnings
      // carry UTF-8 bytes as Latin-1 characters (warnings.ts), so they must go out alone.
      const bytes = Buffer.from(text, 'utf8');
      res.writeHead(code, { 'content-type': JSON_TYPE, 'content-length': bytes.length, 'cache-control': 'no-cache, private' });
      res.end(bytes);
      return;
    }
    res.writeHead(code, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache, private' });
    res.end(text);
  }

  private async handleNonResource(path: string, res: http.ServerResponse): Promise<number> {
    const text = (code: number, body: string, type = 'text/plain; charset=utf-8'): number => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-cache, private' });
      res.end(body);
      return code;
    };
    switch (path) {
      case '/healthz':
      case '/livez':
        return text(200, 'ok');
      case '/readyz': {
        if (this.stopping) return text(503, '[-]shutdown failed: reason withheld\nreadyz check failed');
        try {
          await this.store.revision();
          return text(200, 'ok');
        } catch {
          return text(503, '[-]etcd failed: reason withheld\nreadyz check failed');
        }
      }
      case '/version':
        this.send(res, 200, {
          ...KUBERNETES_VERSION,
          gitCommit: '',
          gitTreeState: 'clean',
          buildDate: '',
          goVersion: `node${process.versions.node}`,
          compiler: 'tsc',
          platform: `${process.platform}/${process.arch}`,
        });
        return 200;
      case '/metrics':
        return text(200, await this.metrics.registry.metrics(), this.metrics.registry.contentType);
      case '/openapi/v2':
        // OpenAPI v2 stays an empty protobuf Document: kubectl 1.20 then validates nothing client-side (the
        // server does), and kubectl 1.32 reads /openapi/v3.
        return text(200, '', 'application/octet-stream');
      case '/openapi/v3':
        return text(200, this.openapi.discovery(), JSON_TYPE);
      default: {
        const doc = path.startsWith('/openapi/v3/') ? this.openapi.document(path.slice('/openapi/v3/'.length)) : undefined;
        if (doc === undefined) throw StatusError.notFoundPath();
        res.setHeader('etag', JSON.stringify(doc.hash));
        return text(200, doc.json, JSON_TYPE);
      }
    }
  }

  private handleDiscovery(kind: 'api' | 'apis' | 'group' | 'version', group: string, version: string, req: http.IncomingMessage, res: http.ServerResponse): number {
    const reg = this.deps.registry;
    const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 0}`;
    let body: unknown;
    if (kind === 'api') body = reg.apiVersions(host);
    else if (kind === 'apis') body = reg.apiGroupList();
    else if (kind === 'group') body = reg.apiGroup(group);
    else body = reg.apiResourceList(group, version);
    if (body === undefined) throw StatusError.notFoundPath();
    this.send(res, 200, body);
    return 200;
  }

  private async dispatch(r: ResourceType, info: RequestInfo, query: URLSearchParams, req: http.IncomingMessage, user: UserInfo, warnings: WarningRecorder): Promise<Answer> {
    const sub = info.subresource;
    const qr = { group: r.group, resource: r.resource };
    // The body of a write decodes into a kind: its fields are checked against the kind's schema.
    const fields = (options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions', apiVersion = apiVersionOf(r), kind = r.kind): FieldCheck | undefined => {
      const directive = fieldValidationOf(query, options);
      const plan = messageForKind(apiVersion, kind);
      return plan === undefined ? undefined : { plan, kind, version: apiVersion.slice(apiVersion.indexOf('/') + 1), directive };
    };
    const read = <T>(check: FieldCheck | undefined): Promise<T> => this.readObject<T>(req, check, warnings);
    // A patch's warnings are those of its last attempt (an update is retried on conflicts).
    const patching = async (patch: PatchReader, run: (apply: PatchReader['apply']) => Promise<Answer>): Promise<Answer> => {
      try {
        return await run(patch.apply);
      } finally {
        for (const w of patch.warnings()) warnings.add(w);
      }
    };
    const verbAllowed = (verb: string): void => {
      if (!(r.verbs as readonly string[]).includes(verb)) throw StatusError.methodNotSupported(qr, verb);
    };
    if (info.name === '' && (info.verb === 'create' || info.verb === 'list' || info.verb === 'deletecollection')) {
      if (sub !== '') throw StatusError.notFoundPath();
      if (r.namespaced === false && info.namespace !== '') throw StatusError.notFoundPath();
    }
    // kube-apiserver's routes: a namespaced resource across all namespaces is only listed (and watched); a
    // collection is not PUT or PATCHed; a named object is not POSTed to (only its subresources, e.g. binding).
    const notAllowed =
      info.verb === 'unsupported' ||
      (r.namespaced && info.namespace === '' && info.verb !== 'list' && info.verb !== 'watch') ||
      (info.name === '' && (info.verb === 'update' || info.verb === 'patch' || info.verb === 'get')) ||
      (info.name !== '' && info.verb === 'create' && sub === '');
    if (notAllowed) throw StatusError.methodNotAllowed();
    if (sub === '') {
      verbAllowed(info.verb);
      switch (info.verb) {
        case 'get':
          return this.handlers.get(r, info, query);
        case 'list':
          return this.handlers.list(r, info, query);
        case 'create':
          if (r.review !== undefined) return this.handlers.review(r, info, await read<KubeObject>(fields('CreateOptions')), user);
          return this.handlers.create(r, info, await read<KubeObject>(fields('CreateOptions')));
        case 'update':
          return this.handlers.update(r, info, await read<KubeObject>(fields('UpdateOptions')));
        case 'patch':
          return patching(await this.readPatch(r, req, fields('PatchOptions')), (apply) => this.handlers.patch(r, info, (current) => apply(current, { group: r.group, version: r.version, kind: r.kind })));
        case 'delete':
        case 'deletecollection': {
          const options = await this.deleteOptions(req, query);
          // As kube's job storage (REST.Delete, REST.DeleteCollection): leaving the default to orphan is warned about.
          if (r.orphansByDefault !== undefined && options.propagationPolicy === undefined && options.orphanDependents === undefined) warnings.add(r.orphansByDefault.warning);
          return info.verb === 'delete' ? this.handlers.delete(r, info, options) : this.handlers.deleteCollection(r, info, query, options);
        }
        default:
          throw StatusError.methodNotSupported(qr, info.verb);
      }
    }
    if (sub === 'status' && r.hasStatus) {
      if (info.verb === 'get') return this.handlers.get(r, info, query);
      if (info.verb === 'update') return this.handlers.update(r, info, await read<KubeObject>(fields('UpdateOptions')));
      if (info.verb === 'patch') {
        return patching(await this.readPatch(r, req, fields('PatchOptions')), (apply) => this.handlers.patch(r, info, (current) => apply(current, { group: r.group, version: r.version, kind: r.kind })));
      }
      throw StatusError.methodNotSupported({ group: r.group, resource: `${r.resource}/status` }, info.verb);
    }
    if (sub === 'scale' && r.scale !== undefined) {
      if (info.verb === 'get') return this.handlers.getScale(r, info);
      if (info.verb === 'update') {
        const scale = await read<Scale>(fields('UpdateOptions', 'autoscaling/v1', 'Scale'));
        return this.handlers.updateScale(r, info, () => scale);
      }
      if (info.verb === 'patch') {
        const patch = await this.readPatch(r, req, fields('PatchOptions', 'autoscaling/v1', 'Scale'));
        return patching(patch, (apply) => this.handlers.updateScale(r, info, (scale) => apply(scale, { group: 'autoscaling', version: 'v1', kind: 'Scale' }) as Scale));
      }
      throw StatusError.methodNotSupported({ group: r.group, resource: `${r.resource}/scale` }, info.verb);
    }
    if (sub === 'binding' && r.binding === true && info.verb === 'create') return this.handlers.bind(r, info, await read<Binding>(fields('CreateOptions', 'v1', 'Binding')));
    if (sub === 'eviction' && r.eviction === true && info.verb === 'create') {
      const budgets = this.deps.registry.lookup(POLICY_GROUP, 'v1', 'poddisruptionbudgets');
      if (budgets === undefined) throw StatusError.notFoundPath();
      return this.handlers.evict(r, budgets, info, await read<Eviction>(fields('CreateOptions', 'policy/v1', 'Eviction')), query.getAll('dryRun'));
    }
    if (sub === 'finalize' && r.resource === 'namespaces' && info.verb === 'update') {
      return this.handlers.finalizeNamespace(r, info, await read<Namespace>(fields('UpdateOptions')));
    }
    throw StatusError.notFoundPath();
  }

  private async deleteOptions(req: http.IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
    const body = await this.readBody(req);
    const decoded = body.length === 0 ? {} : this.decode<DeleteOptions | null>(body, req.headers['content-type']);
    if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw StatusError.badRequest('the body of a DELETE must be a DeleteOptions object');
    const opts: DeleteOptions = decoded;
    // A null member is an unset one, as Go's decoder leaves a nil pointer.
    for (const k of ['gracePeriodSeconds', 'propagationPolicy', 'orphanDependents'] as const) if (opts[k] === null) delete opts[k];
    if (opts.orphanDependents !== undefined && typeof opts.orphanDependents !== 'boolean') {
      throw StatusError.badRequest(`json: cannot unmarshal ${jsonKind(opts.orphanDependents as JsonValue)} into Go struct field DeleteOptions.orphanDependents of type bool`);
    }
    // As kube-apiserver's DELETE handler: the query parameters are read only when there is no body.
    if (body.length === 0) {
      const grace = query.get('gracePeriodSeconds');
      if (grace !== null) opts.gracePeriodSeconds = Number(grace);
      const policy = query.get('propagationPolicy');
      if (policy !== null) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
      const orphan = queryFlag(query, 'orphanDependents');
      if (orphan !== undefined) opts.orphanDependents = orphan;
    }
    // As kube's ValidateDeleteOptions, refused as an invalid DeleteOptions (422).
    const problems: FieldError[] = [];
    if (opts.orphanDependents !== undefined && opts.propagationPolicy !== undefined) {
      problems.push(FieldError.invalid(FieldPath.root('propagationPolicy'), opts.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set'));
    }
    if (opts.propagationPolicy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
      problems.push(FieldError.notSupported(FieldPath.root('propagationPolicy'), opts.propagationPolicy, ['Foreground', 'Background', 'Orphan', 'nil']));
    }
    if (problems.length > 0) throw StatusError.invalid('meta.k8s.io', 'DeleteOptions', '', problems);
    if (opts.gracePeriodSeconds !== undefined && (!Number.isSafeInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
      throw StatusError.badRequest(`invalid gracePeriodSeconds: ${String(opts.gracePeriodSeconds)}`);
    }
    return opts;
  }

  private readBody(req: http.IncomingMessage): Promise<Buffer> {
    const limit = this.cfg.maxRequestBytes;
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      this.closeAfterResponse(req);
      return Promise.reject(StatusError.requestEntityTooLarge(`limit is ${limit}`));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          req.removeAllListeners('data');
          req.resume();
          this.closeAfterResponse(req);
          reject(StatusError.requestEntityTooLarge(`limit is ${limit}`));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  /** closeAfterResponse makes the connection close once the answer is sent (the rest of a refused body is not read). */
  private closeAfterResponse(req: http.IncomingMessage): void {
    const res = (req as http.IncomingMessage & { res?: http.ServerResponse }).res;
    res?.setHeader('connection', 'close');
    res?.once('finish', () => req.socket.destroySoon());
  }

  private decode<T>(body: Buffer, contentType: string | undefined): T {
    return this.decodeBody<T>(body, contentType).value;
  }

  /**
   * decodeBody decodes a request body by its Content-Type and says how to find the keys it repeats (JSON and
   * YAML keep the last value; protobuf cannot repeat a field).
   */
  private decodeBody<T>(body: Buffer, contentType: string | undefined): { value: T; repeats: () => RepeatedKey[] } {
    const type = (contentType ?? JSON_TYPE).split(';')[0]!.trim().toLowerCase();
    // A protobuf body decodes to the JSON object the client would have sent; its errors carry their status.
    if (type === PROTOBUF_MEDIA_TYPE) {
      const dropped: string[] = [];
      const obj = decodeProtobufObject(body, (path, field) => dropped.push(`${path}#${field}`));
      if (dropped.length > 0) this.log.warn({ kind: obj.kind, name: obj.metadata?.name, dropped }, 'apiserver: protobuf body carried fields outside capstan\'s schema; they were dropped');
      return { value: obj as T, repeats: () => [] };
    }
    try {
      if (type === JSON_TYPE || type === '' || type === '*/*') {
        const text = body.toString('utf8');
        return { value: JSON.parse(text) as T, repeats: () => repeatedJsonKeys(text, PROBLEM_LIMIT) };
      }
      if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
        const { value, repeated } = decodeYaml<T>(body.toString('utf8'), PROBLEM_LIMIT);
        return { value, repeats: () => repeated };
      }
    } catch (err) {
      throw StatusError.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
    }
    throw StatusError.unsupportedMediaType(contentType ?? '');
  }

  /**
   * readObject reads a write's body as one object. With a field check (the body is of a served kind), it is
   * decoded against the kind's schema (field-validation.ts): refused for a value of the wrong type, fields
   * outside the schema dropped, and those and repeated keys reported as the request's fieldValidation asks.
   */
  private async readObject<T>(req: http.IncomingMessage, check?: FieldCheck, warnings?: WarningRecorder): Promise<T> {
    const body = await this.readBody(req);
    if (body.length === 0) throw StatusError.badRequest('the body of the request is empty');
    const { value: obj, repeats } = this.decodeBody<T>(body, req.headers['content-type']);
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw StatusError.badRequest("couldn't get version/kind; json parse error: the body is not a JSON object");
    if (check !== undefined) for (const w of checkBodyFields(obj as Record<string, unknown>, repeats, check)) warnings?.add(w);
    return obj;
  }

  /**
   * readPatch reads a PATCH body and returns how to apply it to an object of a kind; an unsupported
   * Content-Type is a 415 naming the patch types the resource accepts. With a field check, the current
   * object is read as its schema has it (fields outside dropped, as a typed decode of the stored object
   * would) and the patched object is checked as the request's fieldValidation asks. `current` is the
   * caller's copy: it is changed.
   */
  private async readPatch(r: ResourceType, req: http.IncomingMessage, check?: FieldCheck): Promise<PatchReader> {
    const contentType = req.headers['content-type'];
    const type = patchTypeFromContentType(contentType);
    if (type === undefined) throw new UnsupportedPatchTypeError(contentType ?? '', acceptedPatchMediaTypes({ group: r.group, version: r.version, kind: r.kind }));
    const body = (await this.readBody(req)).toString('utf8');
    if (check === undefined) return { apply: (current, kind) => applyPatch(type, current as unknown as Record<string, unknown>, body, kind) as unknown as KubeObject, warnings: () => [] };
    let patchProblems: string[] | undefined;
    let warnings: string[] = [];
    return {
      apply: (current, kind) => {
        walkSchema(current as unknown as Record<string, unknown>, check.plan, { prune: true });
        const patched = applyPatch(type, current as unknown as Record<string, unknown>, body, kind);
        // The patch parsed: its own problems can be looked for (once, whatever the retries).
        patchProblems ??= patchBodyProblems(type === 'json', body, check.directive);
        warnings = checkPatchedFields(patched, patchProblems, check, () => (type === 'strategic' ? goV(JSON.parse(body) as JsonValue) : goMarshal(patched as JsonValue)));
        return patched as unknown as KubeObject;
      },
      warnings: () => warnings,
    };
  }

  /**
   * eventLine is a watch event as a JSON line. The watch cache hands every watcher of a resource the same
   * (frozen) object, so the line is encoded once per object and event type, not once per watcher.
   */
  private eventLine(ev: WatchEvent<KubeObject>): string {
    let byType = this.eventLines.get(ev.object);
    if (byType === undefined) {
      byType = new Map();
      this.eventLines.set(ev.object, byType);
    }
    let line = byType.get(ev.type);
    if (line === undefined) {
      line = `${JSON.stringify(ev)}\n`;
      byType.set(ev.type, line);
    }
    return line;
  }

  /**
   * watchFrame encodes a watch event as a protobuf frame. An object with fields outside the schema (written by
   * a JSON client) cannot stop the stream: it goes out without them, and the loss is logged.
   */
  private watchFrame(ev: WatchEvent<KubeObject>): Buffer {
    try {
      return encodeProtobufWatchFrame(ev);
    } catch (err) {
      if (!(err instanceof UnencodableObjectError)) throw err;
      this.log.warn({ err, kind: ev.object.kind, name: (ev.object as KubeObject).metadata?.name }, 'apiserver: watch event sent in protobuf without the fields outside its schema');
      return encodeProtobufWatchFrame(ev, true);
    }
  }

  private async serveWatch(r: ResourceType, info: RequestInfo, query: URLSearchParams, res: http.ServerResponse, output: NegotiatedOutput, accept: string | undefined): Promise<void> {
    if (!r.verbs.includes('watch')) throw StatusError.methodNotSupported({ group: r.group, resource: r.resource }, 'watch');
    const protobuf = watchInProtobuf(apiVersionOf(r), r.kind, accept);
    const transformer = new WatchTransformer({
      target: output.target,
      convertor: tableConvertorFor(r.group, r.resource),
      includeObject: output.target.kind === 'Table' ? parseTableOptions(query).includeObject : 'Metadata',
      objectKind: { apiVersion: apiVersionOf(r), kind: r.kind },
    });
    const labels = { verb: 'WATCH', group: r.group, version: r.version, resource: r.resource };
    const eventLabels = { group: r.group, version: r.version, kind: r.kind };
    let headerSent = false;
    const ensureHeader = (): void => {
      if (headerSent) return;
      headerSent = true;
      res.writeHead(200, { 'content-type': protobuf ? PROTOBUF_WATCH_MEDIA_TYPE : JSON_TYPE, 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
      res.flushHeaders();
    };
    let finished = false;
    let stopRef: (() => void) | undefined;
    // The client may leave while the watch is being set up: then it is stopped as soon as it exists.
    let clientGone = false;
    let stopRequested = false;
    const stopLater = (): void => {
      stopRequested = true;
      queueMicrotask(() => stopRef?.());
    };
    // A client that does not read its stream must not hold the replica's memory: end its watch (it will
    // re-watch from its last resourceVersion), as kube-apiserver drops watchers that fall behind.
    const writer = new WatchWriter(res, this.deps.clock, this.cfg.watchFlushIntervalMs, () => {
      if (res.writableLength <= MAX_UNREAD_WATCH_BYTES || stopRequested) return;
      this.log.warn({ resource: r.resource, unread: res.writableLength }, 'apiserver: ending a watch whose client does not read');
      stopLater();
    });
    res.once('close', () => {
      clientGone = true;
      writer.discard();
      stopRef?.();
    });
    const stop = await startWatch(
      this.store,
      this.caches,
      r,
      info,
      query,
      {
        event: (ev: WatchEvent<KubeObject>) => {
          if (finished) return;
          ensureHeader();
          this.metrics.watchEvents.inc(eventLabels);
          let frame: Buffer | string;
          try {
            frame = protobuf ? this.watchFrame(ev) : output.target.kind === 'Object' ? this.eventLine(ev) : `${JSON.stringify(transformer.transform(ev, this.deps.clock.now()))}\n`;
          } catch (err) {
            // An object this watch cannot render ends this watch (the client re-watches), not the replica.
            this.log.error({ err, resource: r.resource }, 'apiserver: could not encode a watch event; ending the watch');
            stopLater();
            return;
          }
          writer.write(frame);
        },
        end: () => {
          if (finished) return;
          finished = true;
          if (!clientGone) {
            ensureHeader();
            writer.close();
            res.end();
          }
        },
      },
      this.deps.clock,
      { bookmarkIntervalMs: this.cfg.bookmarkIntervalMs, maxTimeoutSeconds: this.cfg.minRequestTimeoutSeconds * 2 },
    );
    this.metrics.longRunning.inc(labels);
    this.watches.add(stop);
    stopRef = () => {
      if (this.watches.delete(stop)) this.metrics.longRunning.dec(labels);
      stop();
    };
    if (clientGone || finished || stopRequested) {
      stopRef();
      return;
    }
    ensureHeader();
  }
}

