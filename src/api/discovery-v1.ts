/**
 * discovery.k8s.io/v1: EndpointSlices, the scalable successor of Endpoints: a Service's endpoints split into
 * slices of at most 100, each with one set of ports and one address type, found by the
 * `kubernetes.io/service-name` label. Field names and JSON as k8s.io/api/discovery/v1.
 */
import type { ObjectReference, Protocol } from './core-v1.js';
import type { KubeList, KubeObject } from './meta-v1.js';

/** LABEL_SERVICE_NAME names the Service a slice belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

/** LABEL_MANAGED_BY names the controller (or agent) that manages a slice. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

/** AddressType is the kind of address every endpoint of a slice has. */
export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

/** EndpointConditions: ready (may take traffic), serving (ready, terminating or not), terminating. */
export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

/** Endpoint is one backend: usually one pod with its IP. */
export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
}

/** EndpointSlicePort is a port of every endpoint of a slice (a Service port resolved against the pods). */
export interface EndpointSlicePort {
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

/** EndpointSlice is a slice of a Service's endpoints. */
export interface EndpointSlice extends KubeObject {
  addressType: AddressType;
  endpoints: Endpoint[] | null;
  ports?: EndpointSlicePort[] | null;
}

/** EndpointSliceList is a list of EndpointSlices. */
export type EndpointSliceList = KubeList<EndpointSlice>;
