/**
 * The patch types of a PATCH request, told apart by Content-Type as kube-apiserver does (the media type is
 * matched exactly after cutting `; charset=…` and other parameters), and the media types each resource
 * accepts: built-in kinds take JSON patch, merge patch and strategic merge patch; custom resources take no
 * strategic merge patch. Server-side apply (`application/apply-patch+yaml`) is recognised but not accepted:
 * capstan does not implement it, so it answers 415.
 */
import { type GroupVersionKindRef, patchSchemaFor } from './patch-meta.js';

/** PatchType names the four PATCH body formats of the Kubernetes API. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** PATCH_MEDIA_TYPES is the Content-Type of each patch type (types.PatchType in apimachinery). */
export const PATCH_MEDIA_TYPES: Readonly<Record<PatchType, string>> = Object.freeze({
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
});

const byMediaType: ReadonlyMap<string, PatchType> = new Map(
  (Object.entries(PATCH_MEDIA_TYPES) as [PatchType, string][]).map(([t, m]) => [m, t]),
);

/**
 * patchTypeFromContentType returns the patch type a Content-Type header names, or undefined for anything
 * else (including a missing header). Parameters after `;` are ignored; the match is otherwise exact.
 */
export function patchTypeFromContentType(contentType: string | undefined): PatchType | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const mediaType = semicolon > 0 ? contentType.slice(0, semicolon) : contentType;
  return byMediaType.get(mediaType);
}

/**
 * acceptedPatchMediaTypes lists the patch media types capstan accepts for a kind, in kube-apiserver's order:
 * JSON patch, merge patch, and strategic merge patch for the built-in kinds of the patch metadata table.
 */
export function acceptedPatchMediaTypes(kind: GroupVersionKindRef): readonly string[] {
  const accepted = [PATCH_MEDIA_TYPES.json, PATCH_MEDIA_TYPES.merge];
  if (patchSchemaFor(kind) !== undefined) accepted.push(PATCH_MEDIA_TYPES.strategic);
  return accepted;
}
