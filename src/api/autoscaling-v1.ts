/**
 * autoscaling/v1 Scale (k8s.io/api/autoscaling/v1): the `scale` subresource of Deployments and ReplicaSets
 * that `kubectl scale` reads and writes.
 */
import type { KubeObject } from './meta-v1.js';

/** ScaleSpec is the desired replica count. */
export interface ScaleSpec {
  replicas?: number;
}

/** ScaleStatus is the observed replica count and the pod selector in string form. */
export interface ScaleStatus {
  replicas: number;
  /** selector is the label selector of the pods, serialized as a selector string. */
  selector?: string;
}

/** Scale is the scale subresource of a scalable object; its metadata is the parent's. */
export interface Scale extends KubeObject {
  spec?: ScaleSpec;
  status?: ScaleStatus;
}
