import { describe, expect, it } from 'vitest';
import type { ConfigMap, Namespace, Secret, ServiceAccount } from '../../../src/api/core-v1.js';
import type { Lease } from '../../../src/api/coordination-v1.js';
import {
  configMapTableConvertor,
  leaseTableConvertor,
  namespaceTableConvertor,
  secretTableConvertor,
  serviceAccountTableConvertor,
} from '../../../src/apiserver/tables/printer-basic.js';
import { DAY, HOUR, NOW, SECOND, ago, microAgo } from './fixtures.js';

const soon = ago(-1.9 * SECOND); // printers_test.go: time.Now().Add(1.9e9) → "0s"

// Expected cells from TestPrintNamespace, TestPrintSecret and TestPrintServiceAccount in Kubernetes'
// printers_test.go, plus ConfigMap and Lease rows as kubectl shows them.
describe('namespace printer', () => {
  it('prints NAME STATUS AGE', () => {
    const ns1: Namespace = { metadata: { name: 'namespace1', creationTimestamp: soon }, status: { phase: 'FooStatus' as 'Active' } };
    const ns2: Namespace = { metadata: { name: 'namespace2' } };
    expect(namespaceTableConvertor.row(ns1, NOW).cells).toEqual(['namespace1', 'FooStatus', '0s']);
    expect(namespaceTableConvertor.row(ns2, NOW).cells).toEqual(['namespace2', '', '<unknown>']);
    expect(namespaceTableConvertor.columns.map((c) => c.name)).toEqual(['Name', 'Status', 'Age']);
  });
});

describe('secret printer', () => {
  it('prints NAME TYPE DATA AGE', () => {
    const s1: Secret = { metadata: { name: 'secret1', creationTimestamp: soon }, type: 'kubernetes.io/service-account-token', data: { token: 'c2VjcmV0IGRhdGE=' } };
    const s2: Secret = { metadata: { name: 'secret1', creationTimestamp: soon }, type: 'kubernetes.io/service-account-token' };
    expect(secretTableConvertor.row(s1, NOW).cells).toEqual(['secret1', 'kubernetes.io/service-account-token', 1, '0s']);
    expect(secretTableConvertor.row(s2, NOW).cells).toEqual(['secret1', 'kubernetes.io/service-account-token', 0, '0s']);
    expect(secretTableConvertor.columns.map((c) => c.name)).toEqual(['Name', 'Type', 'Data', 'Age']);
  });
});

describe('service account printer', () => {
  it('prints NAME SECRETS AGE', () => {
    const sa1: ServiceAccount = { metadata: { name: 'sa1', creationTimestamp: soon }, secrets: [] };
    const sa2: ServiceAccount = { metadata: { name: 'sa1', creationTimestamp: soon }, secrets: [{ name: 'Secret1' }, { name: 'Secret2' }] };
    expect(serviceAccountTableConvertor.row(sa1, NOW).cells).toEqual(['sa1', 0, '0s']);
    expect(serviceAccountTableConvertor.row(sa2, NOW).cells).toEqual(['sa1', 2, '0s']);
    expect(serviceAccountTableConvertor.columns.map((c) => c.name)).toEqual(['Name', 'Secrets', 'Age']);
  });
});

describe('config map printer', () => {
  it('counts data and binaryData keys', () => {
    const cm: ConfigMap = { metadata: { name: 'kube-root-ca.crt', creationTimestamp: ago(9 * DAY) }, data: { 'ca.crt': '...' }, binaryData: { blob: 'AAE=' } };
    expect(configMapTableConvertor.row(cm, NOW).cells).toEqual(['kube-root-ca.crt', 2, '9d']);
    expect(configMapTableConvertor.row({ metadata: { name: 'empty' } }, NOW).cells).toEqual(['empty', 0, '<unknown>']);
    expect(configMapTableConvertor.columns.map((c) => c.name)).toEqual(['Name', 'Data', 'Age']);
  });
});

describe('lease printer', () => {
  it('prints NAME HOLDER AGE', () => {
    const held: Lease = {
      metadata: { name: 'kube-scheduler', namespace: 'kube-system', creationTimestamp: ago(5 * HOUR + 30 * 60 * 1000) },
      spec: { holderIdentity: 'host-1_5d0c', leaseDurationSeconds: 15, renewTime: microAgo(2 * SECOND) },
    };
    expect(leaseTableConvertor.row(held, NOW).cells).toEqual(['kube-scheduler', 'host-1_5d0c', '5h30m']);
    const released: Lease = { metadata: { name: 'released' }, spec: {} };
    expect(leaseTableConvertor.row(released, NOW).cells).toEqual(['released', '', '<unknown>']);
    expect(leaseTableConvertor.columns.map((c) => c.name)).toEqual(['Name', 'Holder', 'Age']);
  });
});
