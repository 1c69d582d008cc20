/**
 * The pod-template-hash label (apps/v1 DefaultDeploymentUniqueLabelKey): each ReplicaSet of a Deployment is
 * named `<deployment>-<hash>` and selects only the pods carrying its hash, so ReplicaSets of one Deployment
 * never fight over pods. kube hashes the Go dump of the template with FNV-32a; capstan hashes a canonical JSON
 * of it (keys sorted, the hash label itself left out) — not byte-identical to kube's, but stable across
 * processes and releases — then adds the collision count and renders the 32-bit sum in kube's safe alphabet
 * (rand.SafeEncodeString: no vowels, no look-alike digits).
 */
import { deepCopy, type DeepReadonly, type PodTemplateSpec } from '../../../api/index.js';

/** POD_TEMPLATE_HASH_LABEL is the label key (apps/v1 DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** canonicalJson renders a JSON value with object keys sorted and undefined members dropped. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** safeEncode maps each character of s into kube's safe alphabet (rand.SafeEncodeString). */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/**
 * templateForComparison is the template as the Deployment controller compares and hashes it: without the
 * pod-template-hash label, without an empty labels map and without a null creationTimestamp.
 */
export function templateForComparison(template: PodTemplateSpec | DeepReadonly<PodTemplateSpec> | undefined): PodTemplateSpec {
  const t = deepCopy(template ?? {}) as PodTemplateSpec;
  const meta = t.metadata ?? {};
  if (meta.labels !== undefined) {
    delete meta.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  if (meta.creationTimestamp === null) delete meta.creationTimestamp;
  if (Object.keys(meta).length === 0) delete t.metadata;
  else t.metadata = meta;
  return t;
}

/** computeHash is the pod-template-hash of template with collisionCount (controller.ComputeHash). */
export function computeHash(template: PodTemplateSpec | DeepReadonly<PodTemplateSpec> | undefined, collisionCount?: number): string {
  const bytes = new TextEncoder().encode(canonicalJson(templateForComparison(template)));
  let h = fnv32a(bytes);
  if (collisionCount !== undefined) {
    const c = new Uint8Array(4);
    new DataView(c.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(c, h);
  }
  return safeEncode(String(h));
}

/** equalIgnoreHash reports whether two pod templates are equal apart from their pod-template-hash label (EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | DeepReadonly<PodTemplateSpec> | undefined, b: PodTemplateSpec | DeepReadonly<PodTemplateSpec> | undefined): boolean {
  return canonicalJson(templateForComparison(a)) === canonicalJson(templateForComparison(b));
}
