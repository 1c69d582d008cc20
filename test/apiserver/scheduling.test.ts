/**
 * scheduling.k8s.io/v1 as kube-apiserver 1.32 serves it: PriorityClasses (discovery, validation in kube's words, the
 * printer, protobuf) and the Priority admission against a real store member and `capstan apiserver` — the system
 * classes exist from the start and cannot be deleted; a pod's priorityClassName becomes its priority and preemption
 * policy, the global default class is taken when it names none, an unknown class or a stated priority that is not the
 * class's is 403; a second global default is 403; a class's value cannot change; an update that leaves the priority
 * out keeps it.
 */
import { describe, expect, it } from 'vitest';
import type { KubeList, KubeObject, Pod, PriorityClass, Status } from '../../src/api/index.js';
import { decodeProtobufObject, encodeProtobufObject } from '../../src/apiserver/protobuf/index.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import { SCHEDULING_V1 } from '../../src/apiserver/resources/scheduling-v1.js';
import { defaultPriorityClass } from '../../src/apiserver/priority-admission.js';
import { tableConvertorFor } from '../../src/apiserver/tables/convertors.js';
import { useStore } from '../compat/helpers/store.js';
import { useApiServer } from './helpers/apiserver.js';
import { rest } from './helpers/rest.js';

const classes = SCHEDULING_V1[0]!;

function priorityClass(name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass {
  return { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra };
}

function errorsOf(obj: PriorityClass): string[] {
  classes.defaults(obj);
  return classes.validate(obj).map((e) => e.toString());
}

describe('scheduling.k8s.io/v1 priorityclasses: discovery, validation, printer, protobuf', () => {
  it('is discovered as kube-apiserver lists it', () => {
    const registry = builtinRegistry();
    expect(registry.apiGroup('scheduling.k8s.io')).toMatchObject({ name: 'scheduling.k8s.io', preferredVersion: { groupVersion: 'scheduling.k8s.io/v1', version: 'v1' } });
    expect(registry.apiResourceList('scheduling.k8s.io', 'v1')!.resources.map((r) => [r.name, r.kind, r.namespaced, r.shortNames])).toEqual([['priorityclasses', 'PriorityClass', false, ['pc']]]);
  });

  it('defaults preemptionPolicy, reserves system- names for the system classes and caps user values, in kube\'s words', () => {
    const pc = priorityClass('high', 1000);
    expect(errorsOf(pc)).toEqual([]);
    expect(pc.preemptionPolicy).toBe('PreemptLowerPriority');
    expect(errorsOf(priorityClass('highest', 1_000_000_000))).toEqual([]);
    expect(errorsOf(priorityClass('too-high', 1_000_000_001))).toEqual(['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
    expect(errorsOf(priorityClass('negative', -5))).toEqual([]);
    expect(errorsOf(priorityClass('system-node-critical', 2_000_001_000))).toEqual([]);
    expect(errorsOf(priorityClass('system-node-critical', 5))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
    ]);
    expect(errorsOf(priorityClass('system-cluster-critical', 2_000_000_000, { globalDefault: true }))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
    ]);
    expect(errorsOf(priorityClass('system-mine', 1))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]);
    expect(errorsOf(priorityClass('odd', 1, { preemptionPolicy: 'Sometimes' as 'Never' }))).toEqual(['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']);
    const old = priorityClass('high', 1000, { preemptionPolicy: 'Never' });
    expect(classes.validateUpdate(priorityClass('high', 2000, { preemptionPolicy: 'PreemptLowerPriority' }), old).map((e) => e.toString())).toEqual([
      'value: Forbidden: may not be changed in an update.',
      'preemptionPolicy: Invalid value: "PreemptLowerPriority": field is immutable',
    ]);
  });

  it('takes the lowest-valued of several global defaults, as kube\'s admission', () => {
    expect(defaultPriorityClass([priorityClass('a', 10, { globalDefault: true }), priorityClass('b', 5, { globalDefault: true }), priorityClass('c', 1)])?.metadata.name).toBe('b');
    expect(defaultPriorityClass([priorityClass('c', 1)])).toBeUndefined();
  });

  it('prints NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY', () => {
    const printer = tableConvertorFor('scheduling.k8s.io', 'priorityclasses');
    expect(printer.columns.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Value', 'integer'],
      ['Global-Default', 'boolean'],
      ['Age', 'string'],
      ['PreemptionPolicy', 'string'],
    ]);
    const obj = priorityClass('high', 1000, { preemptionPolicy: 'Never' });
    obj.metadata.creationTimestamp = '2026-01-10T11:00:00Z';
    expect(printer.row(obj, Date.UTC(2026, 0, 10, 12, 0, 0)).cells).toEqual(['high', 1000, false, '60m', 'Never']);
  });

  it('round-trips through protobuf, a zero value kept', () => {
    const obj = priorityClass('zero', 0, { preemptionPolicy: 'PreemptLowerPriority', description: 'nothing special' });
    obj.metadata.creationTimestamp = '2026-01-10T10:00:00Z';
    expect(decodeProtobufObject(encodeProtobufObject(obj as unknown as KubeObject))).toEqual(obj);
  });
});

describe('priority classes and the Priority admission against a real store and API server', () => {
  const store = useStore({ name: 'priority' });
  const api = useApiServer(store);
  const pcs = '/apis/scheduling.k8s.io/v1/priorityclasses';
  const pods = '/api/v1/namespaces/default/pods';
  const pod = (name: string, spec: Partial<Pod['spec']> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'pause' }], ...spec } });

  it('has the system classes from the start, and refuses to delete them', async () => {
    const list = await rest<KubeList<PriorityClass>>(api().url, 'GET', pcs);
    expect(list.body.items.map((c) => [c.metadata.name, c.value, c.globalDefault ?? false, c.preemptionPolicy])).toEqual([
      ['system-cluster-critical', 2_000_000_000, false, 'PreemptLowerPriority'],
      ['system-node-critical', 2_000_001_000, false, 'PreemptLowerPriority'],
    ]);
    const del = await rest<Status>(api().url, 'DELETE', `${pcs}/system-node-critical`);
    expect(del.status).toBe(403);
    expect(del.body.message).toBe('priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
  });

  it('resolves a pod\'s class into its priority and preemption policy, and refuses what contradicts it', async () => {
    expect((await rest(api().url, 'POST', pcs, priorityClass('batch-low', -10, { preemptionPolicy: 'Never' }))).status).toBe(201);
    const created = await rest<Pod>(api().url, 'POST', pods, pod('low', { priorityClassName: 'batch-low' }));
    expect(created.status).toBe(201);
    expect([created.body.spec?.priority, created.body.spec?.preemptionPolicy]).toEqual([-10, 'Never']);
    const plain = await rest<Pod>(api().url, 'POST', pods, pod('plain'));
    expect([plain.body.spec?.priorityClassName, plain.body.spec?.priority, plain.body.spec?.preemptionPolicy]).toEqual([undefined, 0, 'PreemptLowerPriority']);

    const unknown = await rest<Status>(api().url, 'POST', pods, pod('lost', { priorityClassName: 'nope' }));
    expect([unknown.status, unknown.body.reason, unknown.body.message]).toEqual([403, 'Forbidden', 'pods "lost" is forbidden: no PriorityClass with name nope was found']);
    const stated = await rest<Status>(api().url, 'POST', pods, pod('sneaky', { priorityClassName: 'batch-low', priority: 100 }));
    expect([stated.status, stated.body.message]).toEqual([403, 'pods "sneaky" is forbidden: the integer value of priority (100) must not be provided in pod spec; priority admission controller computed -10 from the given PriorityClass name']);
    const policy = await rest<Status>(api().url, 'POST', pods, pod('eager', { priorityClassName: 'batch-low', preemptionPolicy: 'PreemptLowerPriority' }));
    expect([policy.status, policy.body.message]).toEqual([403, 'pods "eager" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name']);
    const same = await rest<Pod>(api().url, 'POST', pods, pod('honest', { priorityClassName: 'system-cluster-critical', priority: 2_000_000_000 }));
    expect([same.status, same.body.spec?.priority]).toEqual([201, 2_000_000_000]);
    // A generated name is not known yet when admission refuses: the error names the prefix, as kube's.
    const generated = await rest<Status>(api().url, 'POST', pods, { ...pod('unused', { priorityClassName: 'batch-low', priority: 1 }), metadata: { generateName: 'gen-' } });
    expect([generated.status, generated.body.message?.startsWith('pods "gen-" is forbidden: the integer value of priority (1)')]).toEqual([403, true]);

    // An update that leaves the priority out keeps it (kube's admission fills it from the stored pod).
    const current = (await rest<Pod>(api().url, 'GET', `${pods}/low`)).body;
    const { priority: _p, preemptionPolicy: _pp, ...spec } = current.spec!;
    const updated = await rest<Pod>(api().url, 'PUT', `${pods}/low`, { ...current, metadata: { ...current.metadata, labels: { tier: 'batch' } }, spec });
    expect(updated.status).toBe(200);
    expect([updated.body.spec?.priority, updated.body.spec?.preemptionPolicy, updated.body.metadata.labels]).toEqual([-10, 'Never', { tier: 'batch' }]);
  });

  it('gives pods naming no class the global default, allows one default only, and keeps a class\'s value', async () => {
    expect((await rest(api().url, 'POST', pcs, priorityClass('everyday', 50, { globalDefault: true }))).status).toBe(201);
    const second = await rest<Status>(api().url, 'POST', pcs, priorityClass('also-everyday', 60, { globalDefault: true }));
    expect([second.status, second.body.message]).toEqual([403, 'priorityclasses.scheduling.k8s.io "also-everyday" is forbidden: PriorityClass everyday is already marked as default. Only one default can exist']);
    const got = await rest<Pod>(api().url, 'POST', pods, pod('defaulted'));
    expect([got.status, got.body.spec?.priorityClassName, got.body.spec?.priority]).toEqual([201, 'everyday', 50]);

    const current = (await rest<PriorityClass>(api().url, 'GET', `${pcs}/everyday`)).body;
    const described = await rest<PriorityClass>(api().url, 'PUT', `${pcs}/everyday`, { ...current, description: 'most pods' });
    expect([described.status, described.body.description, described.body.metadata.generation]).toEqual([200, 'most pods', 1]);
    const revalued = await rest<Status>(api().url, 'PUT', `${pcs}/everyday`, { ...described.body, value: 70 });
    expect([revalued.status, revalued.body.message]).toEqual([422, 'PriorityClass.scheduling.k8s.io "everyday" is invalid: value: Forbidden: may not be changed in an update.']);
    expect((await rest(api().url, 'DELETE', `${pcs}/everyday`)).status).toBe(200);
    // This replica's own delete is seen at once: neither the default nor a pod naming the class finds it.
    const gone = await rest<Status>(api().url, 'POST', pods, pod('late', { priorityClassName: 'everyday' }));
    expect([gone.status, gone.body.message]).toEqual([403, 'pods "late" is forbidden: no PriorityClass with name everyday was found']);
  });

  it('checks an update only for what an update may not change (a system class may become the default)', async () => {
    const current = (await rest<PriorityClass>(api().url, 'GET', `${pcs}/system-cluster-critical`)).body;
    const made = await rest<PriorityClass>(api().url, 'PUT', `${pcs}/system-cluster-critical`, { ...current, globalDefault: true });
    expect([made.status, made.body.globalDefault]).toEqual([200, true]);
    const back = await rest<PriorityClass>(api().url, 'PUT', `${pcs}/system-cluster-critical`, { ...made.body, globalDefault: false });
    expect(back.status).toBe(200);
    const user = await rest<PriorityClass>(api().url, 'POST', pcs, priorityClass('modest', 10));
    const raised = await rest<Status>(api().url, 'PUT', `${pcs}/modest`, { ...user.body, value: 2_000_000_000 });
    expect([raised.status, raised.body.message]).toEqual([422, 'PriorityClass.scheduling.k8s.io "modest" is invalid: value: Forbidden: may not be changed in an update.']);
  });
});
