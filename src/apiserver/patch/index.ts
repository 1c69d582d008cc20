/**
 * PATCH semantics of the capstan API server: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and
 * Kubernetes' strategic merge patch, with kube-apiserver's edge cases, guards and errors. Pure functions over
 * decoded objects; the HTTP handler picks the patch type from Content-Type, calls applyPatch and stores the
 * result through its update path, translating PatchError subclasses to Status bodies.
 */
export { applyPatch } from './apply-patch.js';
export * from './errors.js';
export { type PatchType, PATCH_MEDIA_TYPES, acceptedPatchMediaTypes, patchTypeFromContentType } from './patch-type.js';
export {
  BUILTIN_PATCH_SCHEMAS,
  type GroupVersionKindRef,
  type PatchMeta,
  type PatchSchema,
  type PatchStrategy,
  lookupPatchMeta,
  patchSchemaFor,
} from './patch-meta.js';
export { strategicMergePatch } from './strategic-merge-patch.js';
export { goMarshal, goV, type JsonObject, type JsonValue } from './go-json.js';
