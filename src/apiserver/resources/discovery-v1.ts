/**
 * discovery.k8s.io/v1 EndpointSlices, as kube-apiserver's registry serves them: ports default to protocol TCP
 * and name "" (SetDefaults_EndpointPort), and a slice is validated as ValidateEndpointSlice does — an address
 * type of IPv4, IPv6 or FQDN that never changes, at most 1,000 endpoints of 1 to 100 addresses of that type,
 * at most 100 ports with a protocol of TCP, UDP or SCTP and a number from 1 to 65535.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { FieldError, FieldPath, isDNS1123Label, isDNS1123Subdomain, type EndpointSlice, type KubeObject } from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { defineResource } from './generic.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

function validAddress(type: string, address: string): string | undefined {
  if (type === 'IPv4') return isIPv4(address) ? undefined : 'must be a valid IPv4 address';
  if (type === 'IPv6') return isIPv6(address) ? undefined : 'must be a valid IPv6 address';
  const problems = isDNS1123Subdomain(address);
  return problems.length === 0 ? undefined : problems.join('; ');
}

function validateEndpointSlice(o: KubeObject): FieldError[] {
  const s = o as EndpointSlice;
  const errs: FieldError[] = [];
  const type = s.addressType as string | undefined;
  if (type === undefined || type === '') errs.push(FieldError.required(FieldPath.root('addressType'), ''));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(FieldError.notSupported(FieldPath.root('addressType'), type, ADDRESS_TYPES));
  const endpoints = s.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(FieldError.tooMany(FieldPath.root('endpoints'), endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const path = FieldPath.root('endpoints').index(i).child('addresses');
    const addresses = ep.addresses ?? [];
    if (addresses.length === 0) errs.push(FieldError.required(path, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(FieldError.tooMany(path, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      const bad = type === undefined || !ADDRESS_TYPES.includes(type) ? undefined : validAddress(type, a);
      if (bad !== undefined) errs.push(FieldError.invalid(path.index(j), a, bad));
    });
  });
  const ports = s.ports ?? [];
  if (ports.length > MAX_PORTS) errs.push(FieldError.tooMany(FieldPath.root('ports'), ports.length, MAX_PORTS));
  ports.forEach((p, i) => {
    const path = FieldPath.root('ports').index(i);
    if ((p.name ?? '') !== '') for (const m of isDNS1123Label(p.name!)) errs.push(FieldError.invalid(path.child('name'), p.name, m));
    if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) errs.push(FieldError.notSupported(path.child('protocol'), p.protocol, PROTOCOLS));
    if (p.port !== undefined && (p.port < 1 || p.port > 65535)) errs.push(FieldError.invalid(path.child('port'), p.port, 'must be between 1 and 65535, inclusive'));
  });
  return errs;
}

const endpointSlices = defineResource({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  resource: 'endpointslices',
  namespaced: true,
  defaults: (o) => {
    for (const p of (o as EndpointSlice).ports ?? []) {
      p.name ??= '';
      p.protocol ??= 'TCP';
    }
  },
  validate: validateEndpointSlice,
  validateUpdate: (o, old) => {
    const type = (o as EndpointSlice).addressType;
    return type === (old as EndpointSlice).addressType ? [] : [FieldError.invalid(FieldPath.root('addressType'), type, 'field is immutable')];
  },
});

/** DISCOVERY_V1 lists the discovery.k8s.io/v1 resources capstan serves. */
export const DISCOVERY_V1: readonly ResourceType[] = [endpointSlices];
