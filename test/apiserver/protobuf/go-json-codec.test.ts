/**
 * Decoding bytes written field by field with protobufjs's Writer (tags and numbers from Kubernetes'
 * generated.proto, independent of capstan's codec), and the codec's errors and their HTTP statuses.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { toStatusError } from '../../../src/apiserver/status-table.js';
import {
  decodeProtobufObject,
  encodeProtobufObject,
  MalformedProtobufError,
  PROTOBUF_MAGIC,
  UnencodableObjectError,
  UnsupportedProtobufKindError,
} from '../../../src/apiserver/protobuf/index.js';

type Build = (w: protobuf.Writer) => void;

/** msg writes a length-delimited field holding a nested message. */
function msg(w: protobuf.Writer, id: number, build: Build): void {
  w.uint32((id << 3) | 2).fork();
  build(w);
  w.ldelim();
}

function str(w: protobuf.Writer, id: number, s: string): void {
  w.uint32((id << 3) | 2).string(s);
}

function varint(w: protobuf.Writer, id: number, n: number): void {
  w.uint32(id << 3).int64(n);
}

function entry(w: protobuf.Writer, id: number, key: string, value: Build): void {
  msg(w, id, (e) => {
    str(e, 1, key);
    value(e);
  });
}

function envelope(apiVersion: string, kind: string, raw: Build): Buffer {
  const inner = protobuf.Writer.create();
  raw(inner);
  const w = protobuf.Writer.create();
  msg(w, 1, (t) => {
    str(t, 1, apiVersion);
    str(t, 2, kind);
  });
  w.uint32(0x12).bytes(inner.finish());
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}

describe('decoding independently written bytes', () => {
  it('reads a Pod: times, maps in any order, quantities, IntOrString, packed int64s, pointers, unknown fields', () => {
    const body = envelope('v1', 'Pod', (w) => {
      msg(w, 1, (m) => {
        str(m, 1, 'web-0');
        str(m, 3, 'team-a');
        varint(m, 7, 2);
        // creationTimestamp: seconds and nanos; metav1.Time keeps whole seconds.
        msg(m, 8, (t) => {
          varint(t, 1, 1714564800);
          varint(t, 2, 999);
        });
        entry(m, 11, 'zone', (e) => str(e, 2, 'b'));
        entry(m, 11, 'app', (e) => str(e, 2, 'web'));
        str(m, 14, 'example.com/f');
        // A field this schema does not know (a newer Kubernetes' field) is skipped.
        str(m, 99, 'from the future');
      });
      msg(w, 2, (s) => {
        msg(s, 2, (c) => {
          str(c, 1, 'nginx');
          str(c, 2, 'nginx:1.25');
          msg(c, 6, (p) => varint(p, 3, 80));
          msg(c, 8, (r) => entry(r, 1, 'cpu', (e) => msg(e, 2, (q) => str(q, 1, '500m'))));
          msg(c, 10, (probe) => {
            msg(probe, 1, (h) => msg(h, 2, (g) => msg(g, 2, (ios) => {
              varint(ios, 1, 1);
              str(ios, 3, 'http');
            })));
            varint(probe, 4, 10);
          });
        });
        varint(s, 4, 30);
        msg(s, 14, (sc) => {
          // supplementalGroups packed, as a proto3 writer would send them.
          sc.uint32((4 << 3) | 2).fork().int64(3000).int64(4000).ldelim();
          varint(sc, 2, 0);
        });
      });
      msg(w, 3, (st) => {
        str(st, 1, 'Pending');
        msg(st, 7, (t) => varint(t, 1, 1714564801));
      });
    });
    const dropped: string[] = [];
    expect(decodeProtobufObject(body, (path, field) => dropped.push(`${path}#${field}`))).toEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'web-0', namespace: 'team-a', generation: 2, creationTimestamp: '2024-05-01T12:00:00Z', labels: { app: 'web', zone: 'b' }, finalizers: ['example.com/f'] },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.25',
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: '500m' } },
            livenessProbe: { httpGet: { port: 'http' }, periodSeconds: 10 },
          },
        ],
        terminationGracePeriodSeconds: 30,
        securityContext: { runAsUser: 0, supplementalGroups: [3000, 4000] },
      },
      status: { phase: 'Pending', startTime: '2024-05-01T12:00:01Z' },
    });
    expect(dropped).toEqual(['Pod.metadata#99']);
    const labels = Object.keys((decodeProtobufObject(body).metadata.labels ?? {}) as object);
    expect(labels).toEqual(['app', 'zone']);
  });

  it('reads Secret bytes as base64, Lease MicroTime to the microsecond, and a zero Time as null', () => {
    const secret = envelope('v1', 'Secret', (w) => {
      msg(w, 1, (m) => {
        str(m, 1, 's');
        msg(m, 8, () => undefined);
      });
      entry(w, 2, 'key', (e) => e.uint32(0x12).bytes(Uint8Array.from([0, 1, 254, 255])));
      str(w, 3, 'Opaque');
    });
    expect(decodeProtobufObject(secret)).toEqual({ kind: 'Secret', apiVersion: 'v1', metadata: { name: 's', creationTimestamp: null }, data: { key: 'AAH+/w==' }, type: 'Opaque' });
    const lease = envelope('coordination.k8s.io/v1', 'Lease', (w) => {
      msg(w, 1, (m) => {
        str(m, 1, 'l');
        msg(m, 8, (t) => varint(t, 1, -62135596800));
      });
      msg(w, 2, (s) => {
        str(s, 1, '');
        msg(s, 4, (t) => {
          varint(t, 1, 1714564800);
          varint(t, 2, 123456789);
        });
        varint(s, 5, 0);
      });
    });
    expect(decodeProtobufObject(lease)).toEqual({
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { name: 'l', creationTimestamp: null },
      spec: { holderIdentity: '', renewTime: '2024-05-01T12:00:00.123456Z', leaseTransitions: 0 },
    });
  });

  it('reads Service ports with numeric and named targetPorts', () => {
    const svc = envelope('v1', 'Service', (w) => {
      msg(w, 1, (m) => str(m, 1, 'svc'));
      msg(w, 2, (s) => {
        msg(s, 1, (p) => {
          varint(p, 3, 80);
          msg(p, 4, (t) => varint(t, 2, 8080));
        });
        msg(s, 1, (p) => {
          varint(p, 3, 443);
          msg(p, 4, (t) => {
            varint(t, 1, 1);
            str(t, 3, 'https');
          });
        });
        entry(s, 2, 'app', (e) => str(e, 2, 'web'));
      });
    });
    expect(decodeProtobufObject(svc)).toEqual({
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'svc', creationTimestamp: null },
      spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 'https' }], selector: { app: 'web' } },
      status: { loadBalancer: {} },
    });
  });
});

describe('codec errors', () => {
  const expectStatus = (fn: () => unknown, cls: new (...args: never[]) => Error, code: number, reason: string): void => {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(cls);
    const se = toStatusError(caught);
    expect(se.httpCode).toBe(code);
    expect(se.reason).toBe(reason);
  };

  it('a body that is not an enveloped object is a 400 BadRequest', () => {
    expectStatus(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}')), MalformedProtobufError, 400, 'BadRequest');
    expectStatus(() => decodeProtobufObject(Buffer.from([0x6b, 0x38])), MalformedProtobufError, 400, 'BadRequest');
    const good = envelope('v1', 'ConfigMap', (w) => msg(w, 1, (m) => str(m, 1, 'a-rather-long-name')));
    expectStatus(() => decodeProtobufObject(good.subarray(0, good.length - 5)), MalformedProtobufError, 400, 'BadRequest');
    expectStatus(() => decodeProtobufObject(envelope('v1', '', () => undefined)), MalformedProtobufError, 400, 'BadRequest');
    // metadata.name sent as a varint: a wire type the schema does not allow.
    expectStatus(() => decodeProtobufObject(envelope('v1', 'ConfigMap', (w) => msg(w, 1, (m) => varint(m, 1, 7)))), MalformedProtobufError, 400, 'BadRequest');
  });

  it('a kind without a schema is a 415 UnsupportedMediaType', () => {
    expectStatus(() => decodeProtobufObject(envelope('networking.k8s.io/v1', 'Ingress', () => undefined)), UnsupportedProtobufKindError, 415, 'UnsupportedMediaType');
    expectStatus(() => decodeProtobufObject(envelope('v2', 'Pod', () => undefined)), UnsupportedProtobufKindError, 415, 'UnsupportedMediaType');
  });

  it('an object outside the schema cannot be encoded (406), unless its unknown fields may be dropped', () => {
    const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', managedBy: 'x' }, data: { a: '1' } };
    expect(() => encodeProtobufObject(cm)).toThrow(/\.metadata\.managedBy: field not in the protobuf schema of ObjectMeta/);
    expectStatus(() => encodeProtobufObject(cm), UnencodableObjectError, 406, 'NotAcceptable');
    expect(decodeProtobufObject(encodeProtobufObject(cm, true))).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', creationTimestamp: null }, data: { a: '1' } });
    const enc = (o: Record<string, unknown>): Buffer => encodeProtobufObject(o);
    expect(() => enc({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 7 } })).toThrow(/\.metadata\.name: expected a string, got number/);
    expect(() => enc({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: {}, spec: { replicas: 2 ** 31 } })).toThrow(/32-bit integer/);
    expect(() => enc({ kind: 'Secret', apiVersion: 'v1', metadata: {}, data: { k: 'not base64!' } })).toThrow(/not valid base64/);
    expect(() => enc({ kind: 'Pod', apiVersion: 'v1', metadata: { creationTimestamp: 'yesterday' } })).toThrow(/RFC 3339/);
    expectStatus(() => enc({ kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', metadata: {} }), UnencodableObjectError, 406, 'NotAcceptable');
  });
});
