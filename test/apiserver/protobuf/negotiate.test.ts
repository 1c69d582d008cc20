/** Content negotiation: which answers go out in protobuf, which in JSON, and when 406. */
import { describe, expect, it } from 'vitest';
import { acceptsJson, decodeProtobufObject, parseAccept, prefersProtobuf, protobufBody, UnencodableObjectError, watchInProtobuf } from '../../../src/apiserver/protobuf/index.js';

const KUBECTL = 'application/vnd.kubernetes.protobuf,application/json';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('negotiation', () => {
  it('orders ranges by q, keeping the client order among equals', () => {
    expect(parseAccept('application/json;q=0.5, application/vnd.kubernetes.protobuf, */*;q=0').map((r) => r.type)).toEqual(['application/vnd.kubernetes.protobuf', 'application/json']);
    expect(parseAccept(undefined)).toEqual([]);
  });

  it('answers protobuf only when it is the most preferred plain media type', () => {
    expect(prefersProtobuf(KUBECTL)).toBe(true);
    expect(prefersProtobuf('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(prefersProtobuf('application/json, application/vnd.kubernetes.protobuf')).toBe(false);
    expect(prefersProtobuf('application/json;q=0.9, application/vnd.kubernetes.protobuf')).toBe(true);
    expect(prefersProtobuf('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json')).toBe(false);
    expect(prefersProtobuf(TABLE)).toBe(false);
    expect(prefersProtobuf('*/*')).toBe(false);
    expect(prefersProtobuf(undefined)).toBe(false);
    expect(acceptsJson(KUBECTL)).toBe(true);
    expect(acceptsJson('application/vnd.kubernetes.protobuf')).toBe(false);
    expect(acceptsJson(undefined)).toBe(true);
  });

  it('falls back to JSON for what has no protobuf form when JSON is accepted, else refuses with 406', () => {
    const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c' } };
    expect(decodeProtobufObject(protobufBody(cm, KUBECTL)!)).toMatchObject(cm);
    expect(protobufBody(cm, 'application/json')).toBeUndefined();
    const table = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {}, columnDefinitions: [], rows: [] };
    expect(protobufBody(table, KUBECTL)).toBeUndefined();
    expect(() => protobufBody(table, 'application/vnd.kubernetes.protobuf')).toThrow(UnencodableObjectError);
    expect(watchInProtobuf('v1', 'Pod', KUBECTL)).toBe(true);
    expect(watchInProtobuf('v1', 'Pod', 'application/json')).toBe(false);
    expect(watchInProtobuf('example.com/v1', 'Widget', KUBECTL)).toBe(false);
    expect(() => watchInProtobuf('example.com/v1', 'Widget', 'application/vnd.kubernetes.protobuf')).toThrow(UnencodableObjectError);
  });
});
