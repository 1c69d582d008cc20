/**
 * The Endpoints printer (printEndpoints): NAME ENDPOINTS AGE. ENDPOINTS lists up to three `ip:port` pairs
 * (bare IPs for a subset without ports) and says how many more there are: `10.0.0.1:80,10.0.0.2:80,10.0.0.3:80
 * + 2 more...`; `<none>` without subsets.
 */
import type { Endpoints } from '../../api/core-v1.js';
import type { KubeObject } from '../../api/meta-v1.js';
import { DESC_ENDPOINTS_SUBSETS } from './descriptions.js';
import { type PrintedRow, type TableConvertor, ageColumn, column, nameColumn, translateTimestampSince } from './table-convertor.js';

const MAX_SHOWN = 3;

const endpointsColumns = [nameColumn, column('Endpoints', 'string', DESC_ENDPOINTS_SUBSETS), ageColumn];

/** joinHostPort is net.JoinHostPort: IPv6 addresses are bracketed. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** formatEndpoints renders the ENDPOINTS cell over all ports. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // A headless service may have no ports: list the bare addresses.
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === MAX_SHOWN) {
          more = true;
          break;
        }
        list.push(addr.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === MAX_SHOWN) {
          more = true;
          break;
        }
        list.push(joinHostPort(addr.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - MAX_SHOWN} more...` : ret;
}

function printEndpoints(ep: Endpoints, now: number): PrintedRow {
  return { cells: [ep.metadata.name ?? '', formatEndpoints(ep), translateTimestampSince(ep.metadata.creationTimestamp, now)] };
}

/** endpointsTableConvertor prints endpoints. */
export const endpointsTableConvertor: TableConvertor = {
  columns: endpointsColumns,
  row: (obj: KubeObject, now: number) => printEndpoints(obj as Endpoints, now),
};
