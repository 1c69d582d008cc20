/**
 * The Service printer (printService): NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, and wide SELECTOR.
 * EXTERNAL-IP is `<none>` for ClusterIP and NodePort services without externalIPs, the load balancer's
 * ingress (or `<pending>`) for LoadBalancer, the externalName for ExternalName. PORT(S) is `80/TCP` or
 * `80:30080/TCP` with a node port.
 */
import type { Service } from '../../api/core-v1.js';
import type { KubeObject } from '../../api/meta-v1.js';
import { DESC_SERVICE } from './descriptions.js';
import { type PrintedRow, type TableConvertor, ageColumn, column, formatLabels, nameColumn, translateTimestampSince } from './table-convertor.js';

const serviceColumns = [
  nameColumn,
  column('Type', 'string', DESC_SERVICE.type),
  column('Cluster-IP', 'string', DESC_SERVICE.clusterIP),
  column('External-IP', 'string', DESC_SERVICE.externalIPs),
  column('Port(s)', 'string', DESC_SERVICE.ports),
  ageColumn,
  column('Selector', 'string', DESC_SERVICE.selector, 1),
];

/**
 * loadBalancerStatus joins the distinct ingress IPs (or hostnames), sorted. The server always prints wide,
 * so the 16-character clipping of narrow output never applies.
 */
function loadBalancerStatus(svc: Service): string {
  const result = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) result.add(ing.ip);
    else if (ing.hostname) result.add(ing.hostname);
  }
  return [...result].sort().join(',');
}

/** serviceExternalIP is the EXTERNAL-IP cell (getServiceExternalIP). */
function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerStatus(svc);
      if (externalIPs.length > 0) return [...(lb.length > 0 ? lb.split(',') : []), ...externalIPs].join(',');
      return lb.length > 0 ? lb : '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString renders ports as `port/protocol` or `port:nodePort/protocol`, comma-separated. */
function makePortString(svc: Service): string {
  return (svc.spec?.ports ?? [])
    .map((p) => {
      // Protocol defaults to TCP on admission; print it even for an object stored without it.
      const protocol = p.protocol ?? 'TCP';
      return p.nodePort !== undefined && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(',');
}

function printService(svc: Service, now: number): PrintedRow {
  // The internal Service's clusterIPs[0] is spec.clusterIP when that is set (v1 → internal conversion).
  const clusterIP = svc.spec?.clusterIP || svc.spec?.clusterIPs?.[0] || '<none>';
  const ports = makePortString(svc);
  return {
    cells: [
      svc.metadata.name ?? '',
      svc.spec?.type ?? '',
      clusterIP,
      serviceExternalIP(svc),
      ports.length > 0 ? ports : '<none>',
      translateTimestampSince(svc.metadata.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ],
  };
}

/** serviceTableConvertor prints services. */
export const serviceTableConvertor: TableConvertor = {
  columns: serviceColumns,
  row: (obj: KubeObject, now: number) => printService(obj as Service, now),
};
