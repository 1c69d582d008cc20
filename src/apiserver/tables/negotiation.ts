/**
 * Accept negotiation of kube-apiserver's resource handlers (endpoints/handlers/negotiation): which media type
 * to answer in and which transform to apply. The Accept header is parsed like goautoneg (clauses ordered by
 * q, then by specificity, stable); the first clause that names a served media type and an allowed transform
 * wins. Transforms are `as=Table` (JSON or YAML only), `as=PartialObjectMetadata` and
 * `as=PartialObjectMetadataList`, each with `g=meta.k8s.io` and `v=v1` or `v1beta1`; a clause asking for
 * anything else is skipped, and if no clause is left the answer is 406 NotAcceptable. An absent or empty
 * Accept header means the plain object in the first served media type.
 *
 * kubectl get (1.20 and 1.32 alike) sends
 * `application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json`.
 */
import { NotAcceptableError } from './errors.js';
import type { MetaVersion } from './table.js';

/** AcceptClause is one media range of an Accept header. */
export interface AcceptClause {
  type: string;
  subType: string;
  q: number;
  params: Readonly<Record<string, string>>;
}

/** precedes is goautoneg's ordering: higher q first, then concrete types before `*`, then concrete subtypes. */
function precedes(a: AcceptClause, b: AcceptClause): boolean {
  if (a.q > b.q) return true;
  if (a.type !== '*' && b.type === '*') return true;
  if (a.subType !== '*' && b.subType === '*') return true;
  return false;
}

/**
 * parseAccept splits an Accept header into clauses the way goautoneg.ParseAccept does: a range without a
 * slash other than `*` is dropped, parameters without `=` are ignored, an unparseable q is 0. The result is
 * ordered by precedence with an insertion sort, which keeps equal clauses in header order as Go's sort does
 * for short slices.
 */
export function parseAccept(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const part of header.split(',')) {
    const [mediaRange, ...rawParams] = part.split(';');
    const sp = mediaRange!.split('/');
    const type = sp[0]!.trim();
    let subType: string;
    if (sp.length === 1 && type === '*') subType = '*';
    else if (sp.length === 2) subType = sp[1]!.trim();
    else continue;
    let q = 1;
    const params: Record<string, string> = {};
    for (const raw of rawParams) {
      const eq = raw.indexOf('=');
      if (eq < 0) continue;
      const token = raw.slice(0, eq).trim();
      const value = raw.slice(eq + 1);
      if (token === 'q') {
        // strconv.ParseFloat takes no surrounding spaces; a failed parse leaves q at 0.
        q = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Number(value) : 0;
      } else {
        params[token] = value.trim();
      }
    }
    clauses.push({ type, subType, q, params });
  }
  for (let i = 1; i < clauses.length; i++) {
    for (let j = i; j > 0 && precedes(clauses[j]!, clauses[j - 1]!); j--) {
      [clauses[j - 1], clauses[j]] = [clauses[j]!, clauses[j - 1]!];
    }
  }
  return clauses;
}

/** OutputTarget is what the response body is: the object itself, or one of the meta.k8s.io transforms. */
export type OutputTarget =
  | { kind: 'Object' }
  | { kind: 'Table'; version: MetaVersion }
  | { kind: 'PartialObjectMetadata'; version: MetaVersion }
  | { kind: 'PartialObjectMetadataList'; version: MetaVersion };

/** NegotiatedOutput is the outcome of negotiation. */
export interface NegotiatedOutput {
  /** mediaType is the served media type chosen; it is also the response Content-Type (no parameters). */
  mediaType: string;
  target: OutputTarget;
  /** pretty is the `pretty=1` parameter; the `?pretty` query and curl-like user agents also ask for it. */
  pretty: boolean;
  /** stream is the `stream` parameter (`watch`), if any. */
  stream?: string;
}

/** NegotiationOptions describe what the server can serialize. */
export interface NegotiationOptions {
  /**
   * mediaTypes are the served media types, preferred first (default: application/json). Only
   * application/json has a stream (watch) serializer.
   */
  mediaTypes?: readonly string[];
}

const DEFAULT_MEDIA_TYPES: readonly string[] = ['application/json'];

function matches(clause: AcceptClause, mediaType: string): boolean {
  const [type, subType] = mediaType.split('/', 2) as [string, string | undefined];
  return (clause.type === type && (clause.subType === (subType ?? '*') || clause.subType === '*')) || (clause.type === '*' && clause.subType === '*');
}

/** acceptOptions reads a clause's parameters for mediaType, or returns undefined if the clause must be skipped. */
function acceptOptions(clause: AcceptClause, mediaType: string): NegotiatedOutput | undefined {
  const p = clause.params;
  const asKind = p.as;
  const group = p.g;
  const version = p.v;
  const stream = p.stream;
  if (stream !== undefined && stream.length > 0 && (mediaType !== 'application/json' || stream !== 'watch')) return undefined;
  // The server-version parameter may only name the meta group version resource endpoints use (v1).
  if (p.sv !== undefined && p.sv.length > 0 && p.sv !== 'v1') return undefined;
  const out: NegotiatedOutput = { mediaType, target: { kind: 'Object' }, pretty: p.pretty === '1' };
  if (stream !== undefined) out.stream = stream;
  if (asKind === undefined && group === undefined && version === undefined) return out;
  if (group !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1')) return undefined;
  switch (asKind) {
    case 'Table':
      if (mediaType !== 'application/json' && mediaType !== 'application/yaml') return undefined;
      out.target = { kind: 'Table', version };
      return out;
    case 'PartialObjectMetadata':
    case 'PartialObjectMetadataList':
      out.target = { kind: asKind, version };
      return out;
    default:
      return undefined;
  }
}

/**
 * negotiateOutput picks the media type and transform for an Accept header, or throws NotAcceptableError
 * (406) with kube-apiserver's message listing the served media types.
 */
export function negotiateOutput(accept: string | undefined, opts: NegotiationOptions = {}): NegotiatedOutput {
  const mediaTypes = opts.mediaTypes ?? DEFAULT_MEDIA_TYPES;
  if (accept === undefined || accept.length === 0) return { mediaType: mediaTypes[0]!, target: { kind: 'Object' }, pretty: false };
  for (const clause of parseAccept(accept)) {
    for (const mediaType of mediaTypes) {
      if (!matches(clause, mediaType)) continue;
      const out = acceptOptions(clause, mediaType);
      if (out !== undefined) return out;
    }
  }
  throw new NotAcceptableError(`only the following media types are accepted: ${mediaTypes.join(', ')}`);
}

/** TableRequest is a request for a Table in a version of meta.k8s.io. */
export interface TableRequest {
  version: MetaVersion;
}

/**
 * negotiateTable says whether the Accept header asks for a Table: the Table request, or undefined for any
 * other answer. It throws NotAcceptableError when nothing acceptable is asked for.
 */
export function negotiateTable(accept: string | undefined, opts?: NegotiationOptions): TableRequest | undefined {
  const out = negotiateOutput(accept, opts);
  return out.target.kind === 'Table' ? { version: out.target.version } : undefined;
}
