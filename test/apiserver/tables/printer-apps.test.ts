import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../../../src/api/apps-v1.js';
import type { LabelSelector } from '../../../src/api/meta-v1.js';
import { deploymentTableConvertor, replicaSetTableConvertor } from '../../../src/apiserver/tables/printer-apps.js';
import { NOW, SECOND, ago } from './fixtures.js';

const template = {
  spec: {
    containers: [
      { name: 'fake-container1', image: 'fake-image1' },
      { name: 'fake-container2', image: 'fake-image2' },
    ],
  },
};
const created = ago(-1.9 * SECOND); // printers_test.go: time.Now().Add(1.9e9), slightly in the future → "0s"

describe('deployment printer', () => {
  it('prints READY UP-TO-DATE AVAILABLE and the wide columns', () => {
    const d: Deployment = {
      metadata: { name: 'test1', creationTimestamp: created },
      spec: { replicas: 5, template, selector: { matchLabels: { foo: 'bar' } } },
      status: { replicas: 10, updatedReplicas: 2, availableReplicas: 1, unavailableReplicas: 4 },
    };
    expect(deploymentTableConvertor.row(d, NOW).cells).toEqual(['test1', '0/5', 2, 1, '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar']);
  });

  it('defaults replicas to 1 and prints an empty selector as empty, an invalid one as <invalid>', () => {
    const d: Deployment = { metadata: { name: 'web' }, spec: { template: { spec: { containers: [] } }, selector: {} } };
    expect(deploymentTableConvertor.row(d, NOW).cells).toEqual(['web', '0/1', 0, 0, '<unknown>', '', '', '']);
    const bad: Deployment = { metadata: { name: 'bad' }, spec: { template: {}, selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } };
    expect(deploymentTableConvertor.row(bad, NOW).cells[7]).toBe('<invalid>');
  });

  it('defines NAME READY UP-TO-DATE AVAILABLE AGE and three wide columns', () => {
    expect(deploymentTableConvertor.columns.map((c) => `${c.name}:${c.type}:${c.priority}`)).toEqual([
      'Name:string:0', 'Ready:string:0', 'Up-to-date:string:0', 'Available:string:0', 'Age:string:0', 'Containers:string:1', 'Images:string:1', 'Selector:string:1',
    ]);
  });
});

// Expected cells from TestPrintReplicaSet in Kubernetes' printers_test.go.
describe('replica set printer', () => {
  it('prints DESIRED CURRENT READY and the wide columns', () => {
    const rs: ReplicaSet = {
      metadata: { name: 'test1', creationTimestamp: created },
      spec: { replicas: 5, template, selector: { matchLabels: { foo: 'bar' } } },
      status: { replicas: 5, readyReplicas: 2 },
    };
    expect(replicaSetTableConvertor.row(rs, NOW).cells).toEqual([
      'test1', 5, 5, 2, '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar',
    ]);
  });

  it('prints an empty selector as <none> and an invalid one as <error>', () => {
    const rs = (selector: LabelSelector): ReplicaSet => ({ metadata: { name: 'r' }, spec: { selector } });
    expect(replicaSetTableConvertor.row(rs({}), NOW).cells.slice(1, 8)).toEqual([1, 0, 0, '<unknown>', '', '', '<none>']);
    expect(replicaSetTableConvertor.row(rs({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), NOW).cells[7]).toBe('<error>');
  });

  it('defines integer DESIRED CURRENT READY columns', () => {
    expect(replicaSetTableConvertor.columns.map((c) => `${c.name}:${c.type}:${c.priority}`)).toEqual([
      'Name:string:0', 'Desired:integer:0', 'Current:integer:0', 'Ready:integer:0', 'Age:string:0', 'Containers:string:1', 'Images:string:1', 'Selector:string:1',
    ]);
  });
});
