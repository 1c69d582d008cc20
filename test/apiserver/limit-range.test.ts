/**
 * core/v1 LimitRanges as kube-apiserver 1.32 serves them: defaulting and validation in kube's words, protobuf, and
 * the LimitRanger admission against a real store member and `capstan apiserver` — a pod's containers get the
 * defaults they do not state (and the `kubernetes.io/limit-ranger` annotation, written by the last LimitRange that
 * set something), a pod above a maximum is refused with kube's 403 and message (the other bounds' messages are
 * checked without a server), and the ResourceQuota admission sees the defaulted requests.
 */
import { describe, expect, it } from 'vitest';
import { podLimitViolations, type KubeObject, type LimitRange, type Pod, type ResourceQuota, type Status } from '../../src/api/index.js';
import { decodeProtobufObject, encodeProtobufObject } from '../../src/apiserver/protobuf/index.js';
import { LIMIT_RANGES } from '../../src/apiserver/resources/limit-range.js';
import { useStore } from '../compat/helpers/store.js';
import { useApiServer } from './helpers/apiserver.js';
import { rest } from './helpers/rest.js';

function limitRange(name: string, limits: LimitRange['spec'] extends infer S ? (S extends { limits: infer L } ? L : never) : never): LimitRange {
  return { apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace: 'default' }, spec: { limits } };
}

function errorsOf(lr: LimitRange): string[] {
  LIMIT_RANGES.defaults(lr);
  return LIMIT_RANGES.validate(lr).map((e) => e.toString());
}

function pod(name: string, resources: { requests?: Record<string, string>; limits?: Record<string, string> }[]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'pause', resources: r })) } };
}

describe('LimitRange: defaulting, validation, protobuf', () => {
  it('defaults a Container item\'s default from max and its defaultRequest from default or min', () => {
    const lr = limitRange('d', [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }]);
    expect(errorsOf(lr)).toEqual([]);
    expect(lr.spec?.limits[0]).toEqual({ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '64Mi' } });
  });

  it('refuses inconsistent bounds, Pod defaults, unknown types and repeated types, in kube\'s words', () => {
    expect(errorsOf(limitRange('bad', [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' }, maxLimitRequestRatio: { memory: '500m' } }]))).toEqual([
      // kube hands these errors the Quantity itself, which Go prints with %#v.
      'spec.limits[0].min[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2", Format:"DecimalSI"}: min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:1, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"1", Format:"DecimalSI"}: min value 2 is greater than default request value 1',
      'spec.limits[0].default[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2", Format:"DecimalSI"}: min value 2 is greater than default value 1',
      'spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: resource.Quantity{i:resource.int64Amount{value:500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"500m", Format:"DecimalSI"}: ratio 500m is less than 1',
    ]);
    expect(errorsOf(limitRange('pod', [{ type: 'Pod', default: { cpu: '1' } }, { type: 'Pod', max: { widgets: '1' } }, { type: 'Node' as 'Pod' }]))).toEqual([
      "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
      'spec.limits[1].type: Duplicate value: "Pod"',
      'spec.limits[1].max[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      'spec.limits[1].max[widgets]: Invalid value: "widgets": must be a standard resource for containers',
      'spec.limits[2].type: Invalid value: "Node": must be a standard limit type or fully qualified',
    ]);
  });

  it('round-trips through protobuf', () => {
    const lr = limitRange('p', [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '250m' } }]);
    lr.metadata.creationTimestamp = '2026-01-10T10:00:00Z';
    expect(decodeProtobufObject(encodeProtobufObject(lr as unknown as KubeObject))).toEqual(lr);
  });

  it('judges each container and the pod\'s totals, several findings of one LimitRange together', () => {
    const lr = limitRange('b', [
      { type: 'Container', min: { cpu: '100m' }, max: { memory: '1Gi' }, maxLimitRequestRatio: { cpu: '2' } },
      { type: 'Pod', max: { cpu: '150m' } },
    ]);
    expect(podLimitViolations(pod('p', [{ requests: { cpu: '50m' }, limits: { cpu: '200m', memory: '2Gi' } }]), lr)).toEqual([
      'minimum cpu usage per Container is 100m, but request is 50m',
      'maximum memory usage per Container is 1Gi, but limit is 2Gi',
      'cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000',
      'maximum cpu usage per Pod is 150m, but limit is 200m',
    ]);
  });
});

describe('the LimitRanger admission against a real store and API server', () => {
  const store = useStore({ name: 'limitranger' });
  const api = useApiServer(store);
  const ns = '/api/v1/namespaces/default';

  it('defaults what a pod leaves out, refuses what breaks the bounds, and the quota sees the defaults', async () => {
    const made = await rest(api().url, 'POST', `${ns}/limitranges`, limitRange('defaults', [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '250m' }, max: { cpu: '1' } }]));
    expect(made.status).toBe(201);
    const created = await rest<Pod>(api().url, 'POST', `${ns}/pods`, pod('plain', [{}, { requests: { cpu: '300m' } }]));
    expect(created.status).toBe(201);
    expect(created.body.spec?.containers.map((c) => c.resources)).toEqual([
      { requests: { cpu: '250m' }, limits: { cpu: '500m' } },
      { requests: { cpu: '300m' }, limits: { cpu: '500m' } },
    ]);
    expect(created.body.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu request for container c0; cpu limit for container c0; cpu limit for container c1');
    // A second LimitRange's defaults are merged too; the annotation is the last one's notes, as kube writes it.
    expect((await rest(api().url, 'POST', `${ns}/limitranges`, limitRange('memory', [{ type: 'Container', defaultRequest: { memory: '64Mi' } }]))).status).toBe(201);
    const both = await rest<Pod>(api().url, 'POST', `${ns}/pods`, pod('both', [{}]));
    expect(both.body.spec?.containers[0]?.resources).toEqual({ requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m' } });
    expect(both.body.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: memory request for container c0');
    expect((await rest(api().url, 'DELETE', `${ns}/limitranges/memory`)).status).toBe(200);

    const big = await rest<Status>(api().url, 'POST', `${ns}/pods`, pod('big', [{ limits: { cpu: '2' } }]));
    expect([big.status, big.body.reason, big.body.message]).toEqual([403, 'Forbidden', 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2']);

    // The quota admission runs after the LimitRanger: a pod that states no cpu is charged its default request.
    expect((await rest(api().url, 'POST', `${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'cpu' }, spec: { hard: { 'requests.cpu': '10' } } })).status).toBe(201);
    const quota = (await rest<ResourceQuota>(api().url, 'GET', `${ns}/resourcequotas/cpu`)).body;
    expect((await rest(api().url, 'PUT', `${ns}/resourcequotas/cpu/status`, { ...quota, status: { hard: { 'requests.cpu': '10' }, used: { 'requests.cpu': '0' } } })).status).toBe(200);
    expect((await rest(api().url, 'POST', `${ns}/pods`, pod('counted', [{}]))).status).toBe(201);
    expect((await rest<ResourceQuota>(api().url, 'GET', `${ns}/resourcequotas/cpu`)).body.status?.used).toEqual({ 'requests.cpu': '250m' });
  });
});
