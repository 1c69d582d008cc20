/**
 * What the API server and the DaemonSet controller share about a DaemonSet: apps/v1 keeps the template
 * generation (internal spec.templateGeneration, bumped by the API server whenever the pod template changes) in
 * an annotation, and the controller labels each pod with it.
 */
import type { KubeObject } from './meta-v1.js';

/** TEMPLATE_GENERATION_ANNOTATION is where apps/v1 keeps a DaemonSet's template generation. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** templateGeneration reads a DaemonSet's template generation annotation (1 when absent or unreadable). */
export function templateGeneration(ds: Pick<KubeObject, 'metadata'> | { readonly metadata: { readonly annotations?: Readonly<Record<string, string>> } }): number {
  const n = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}
