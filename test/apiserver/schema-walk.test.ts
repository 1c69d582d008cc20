/**
 * A decoded body checked against its kind's schema as Go's typed decode checks it: the keys the schema does
 * not have (pruned, at any depth, through lists, maps and inline members), and values of the wrong JSON type
 * worded as encoding/json words them.
 */
import { describe, expect, it } from 'vitest';
import { messageForKind } from '../../src/apiserver/protobuf/index.js';
import { walkSchema } from '../../src/apiserver/schema-walk.js';

const POD = messageForKind('v1', 'Pod')!;
const DEPLOYMENT = messageForKind('apps/v1', 'Deployment')!;

describe('unknown fields', () => {
  it('drops keys outside the schema at any depth, through lists, maps and inline members, and names their paths', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { 'any-key': 'kept' }, bogus: 1 },
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'y', imagePullPolicyy: 'Always', ports: [{ containerPort: 80, hostPortt: 8080 }] },
        ],
        // Volume's source is an inline member: its keys are the volume's own.
        volumes: [{ name: 'v', emptyDir: { medium: 'Memory', sizee: 1 }, unknownSource: {} }],
        overhead: { cpu: '10m' },
        nodeSelector: { disk: 'ssd' },
      },
      status: { phase: 'Pending', nope: true },
      extra: 'top',
    };
    const walk = walkSchema(pod, POD, { prune: true });
    expect(walk.unknown).toEqual([
      'metadata.bogus',
      'spec.containers[1].imagePullPolicyy',
      'spec.containers[1].ports[0].hostPortt',
      'spec.volumes[0].emptyDir.sizee',
      'spec.volumes[0].unknownSource',
      'status.nope',
      'extra',
    ]);
    expect(walk.typeError).toBeUndefined();
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { 'any-key': 'kept' } },
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'y', ports: [{ containerPort: 80 }] },
        ],
        volumes: [{ name: 'v', emptyDir: { medium: 'Memory' } }],
        overhead: { cpu: '10m' },
        nodeSelector: { disk: 'ssd' },
      },
      status: { phase: 'Pending' },
    });
  });

  it('leaves the JSON forms of well-known types alone; without prune changes nothing but says whether pruning would; limit bounds the report, not the pruning', () => {
    const pod = { metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'f:x': {} } } }] }, spec: { overhead: { cpu: 1 } } };
    expect(walkSchema(pod, POD, { prune: true }).unknown).toEqual([]);
    const d = { spec: { zz: 1, bogus: 1, template: { spec: { containers: [{ name: 'c', nope: 2 }] } } } };
    const before = JSON.stringify(d);
    expect(walkSchema(d, DEPLOYMENT, { prune: false }).unknown).toEqual(['spec.zz', 'spec.bogus', 'spec.template.spec.containers[0].nope']);
    expect(JSON.stringify(d)).toBe(before);
    expect(walkSchema(d, DEPLOYMENT, { prune: false }).changes).toBe(true);
    expect(walkSchema({ spec: { paused: null } }, DEPLOYMENT, { prune: false }).changes).toBe(true);
    expect(walkSchema({ spec: { paused: true } }, DEPLOYMENT, { prune: false }).changes).toBe(false);
    const many: Record<string, unknown> = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x${i}`, i]));
    expect(walkSchema(many, DEPLOYMENT, { prune: true, limit: 100 }).unknown).toHaveLength(100);
    expect(many).toEqual({});
  });
});

describe('type errors', () => {
  const typeError = (obj: Record<string, unknown>, plan = DEPLOYMENT): string | undefined => walkSchema(obj, plan, { prune: false }).typeError;

  it('words a value of the wrong JSON type as Go\'s decoder: the struct, the field path without indexes or keys, the Go type', () => {
    expect(typeError({ spec: { replicas: '3' } })).toBe('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(typeError({ spec: { replicas: 1.5 } })).toBe('json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(typeError({ spec: { replicas: 2 ** 31 } })).toBe('json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(typeError({ spec: 'x' })).toBe('json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec');
    expect(typeError({ spec: { template: { spec: { containers: {} } } } })).toBe('json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container');
    expect(typeError({ spec: { template: { spec: { containers: [{ name: 'a' }, 'b'] } } } })).toBe('json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of type v1.Container');
    expect(typeError({ spec: { template: { spec: { containers: [{ name: 'a', args: ['x', 1] }] } } } })).toBe('json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.args of type string');
    expect(typeError({ metadata: { labels: { a: true } } })).toBe('json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string');
    expect(typeError({ metadata: { creationTimestamp: 5 } })).toBe('json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string');
    expect(typeError({ spec: { paused: 'yes' } })).toBe('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool');
    expect(typeError({ spec: { strategy: { rollingUpdate: { maxSurge: true } } } })).toBe('json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32');
    expect(typeError({ spec: { template: { spec: { containers: [{ resources: { limits: { cpu: [] } } }] } } } })).toMatch(/^quantities must match the regular expression/);
    // An inline member's fields are the outer struct's, as Go promotes them.
    expect(typeError({ spec: { volumes: [{ name: 'v', emptyDir: 'x' }] } }, POD)).toBe('json: cannot unmarshal string into Go struct field Volume.spec.volumes.emptyDir of type v1.EmptyDirVolumeSource');
  });

  it('refuses a quantity or a time that does not parse, with their own errors (no field context, as in Go)', () => {
    expect(typeError({ spec: { template: { spec: { containers: [{ name: 'c', resources: { requests: { cpu: 'lots' } } }] } } } })).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(typeError({ metadata: { creationTimestamp: 'yesterday' } })).toMatch(/^parsing time "yesterday" as "2006-01-02T15:04:05Z07:00"/);
    // A []byte is base64 text or a list of bytes.
    const secret = messageForKind('v1', 'Secret')!;
    expect(walkSchema({ data: { a: 'YQ==', b: [97, 98] } }, secret, { prune: false }).typeError).toBeUndefined();
    expect(walkSchema({ data: { a: [300] } }, secret, { prune: false }).typeError).toBe('json: cannot unmarshal array into Go struct field Secret.data of type []uint8');
  });

  it('pruning makes nulls Go\'s zero values: a null field goes, a null list item or map value becomes its zero', () => {
    const pod = { metadata: { labels: { a: null }, annotations: null }, spec: { containers: [null, { name: 'c', args: [null, 'x'] }], nodeSelector: null, overhead: { cpu: null } } };
    expect(walkSchema(pod, POD, { prune: true })).toMatchObject({ unknown: [], typeError: undefined });
    expect(pod).toEqual({ metadata: { labels: { a: '' } }, spec: { containers: [{}, { name: 'c', args: ['', 'x'] }], overhead: { cpu: '0' } } });
  });

  it('accepts null anywhere and the JSON forms of well-known types, and reports only the first error', () => {
    expect(typeError({ metadata: { labels: null, creationTimestamp: null }, spec: { replicas: null, template: { spec: { containers: [null] } }, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } } })).toBeUndefined();
    expect(typeError({ spec: { template: { spec: { containers: [{ name: 'c', resources: { requests: { cpu: 1, memory: '1Gi' } } }] } } } })).toBeUndefined();
    expect(typeError({ spec: { replicas: 'a', paused: 'b' } })).toContain('spec.replicas');
  });
});
