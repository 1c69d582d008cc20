/**
 * The EndpointSlice printer (printEndpointSlice): NAME ADDRESSTYPE PORTS ENDPOINTS AGE. PORTS and ENDPOINTS list
 * up to three values (a port without a number by its name, or `*`) and say how many more there are; an empty
 * list is `<unset>`.
 */
import type { EndpointSlice } from '../../api/discovery-v1.js';
import type { KubeObject } from '../../api/meta-v1.js';
import { DESC_ENDPOINT_SLICE_ADDRESS_TYPE, DESC_ENDPOINT_SLICE_ENDPOINTS, DESC_ENDPOINT_SLICE_PORTS } from './descriptions.js';
import { type TableConvertor, ageColumn, column, nameColumn, translateTimestampSince } from './table-convertor.js';

const MAX_SHOWN = 3;

/** listWithMore joins the shown values, `+ N more...` past them, `<unset>` when there are none. */
function listWithMore(all: readonly string[]): string {
  const ret = all.slice(0, MAX_SHOWN).join(',');
  if (all.length > MAX_SHOWN) return `${ret} + ${all.length - MAX_SHOWN} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** formatSlicePorts renders the PORTS cell. */
export function formatSlicePorts(slice: EndpointSlice): string {
  return listWithMore((slice.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*'))));
}

/** formatSliceEndpoints renders the ENDPOINTS cell: every address of every endpoint. */
export function formatSliceEndpoints(slice: EndpointSlice): string {
  return listWithMore((slice.endpoints ?? []).flatMap((e) => e.addresses ?? []));
}

/** endpointSliceTableConvertor prints endpoint slices. */
export const endpointSliceTableConvertor: TableConvertor = {
  columns: [nameColumn, column('AddressType', 'string', DESC_ENDPOINT_SLICE_ADDRESS_TYPE), column('Ports', 'string', DESC_ENDPOINT_SLICE_PORTS), column('Endpoints', 'string', DESC_ENDPOINT_SLICE_ENDPOINTS), ageColumn],
  row: (obj: KubeObject, now: number) => {
    const s = obj as EndpointSlice;
    return { cells: [s.metadata.name ?? '', s.addressType ?? '', formatSlicePorts(s), formatSliceEndpoints(s), translateTimestampSince(s.metadata.creationTimestamp, now)] };
  },
};
