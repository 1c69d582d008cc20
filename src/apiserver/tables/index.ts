/**
 * Server-side printing for the API server: `meta.k8s.io` Tables (what `kubectl get` asks for) and
 * PartialObjectMetadata(List) (what metadata informers ask for), with kube-apiserver's Accept negotiation.
 *
 * A handler negotiates once per request (negotiateOutput, throwing NotAcceptableError → 406), reads
 * parseTableOptions for a Table target (TableOptionsInvalidError → 400), then answers a list with
 * listToTable / asPartialObjectMetadataList, a get with objectToTable / asPartialObjectMetadata, and a watch
 * through one WatchTransformer per stream. tableConvertorFor picks the printer of a resource. The response
 * Content-Type stays the plain media type (`application/json`), as kube-apiserver sends it.
 */
export * from './convertors.js';
export * from './duration.js';
export * from './errors.js';
export * from './negotiation.js';
export * from './table.js';
export * from './table-convertor.js';
export * from './watch-transform.js';
export { findNodeRoles } from './printer-node.js';
export { formatEndpoints } from './printer-endpoints.js';
export { POD_FAILED_CONDITIONS, POD_SUCCEEDED_CONDITIONS } from './printer-pod.js';
