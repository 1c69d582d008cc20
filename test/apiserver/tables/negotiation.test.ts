import { describe, expect, it } from 'vitest';
import { NotAcceptableError } from '../../../src/apiserver/tables/errors.js';
import { negotiateOutput, negotiateTable, parseAccept } from '../../../src/apiserver/tables/negotiation.js';

/** KUBECTL_GET is the Accept header of `kubectl get` in 1.20 (kubectl/v1.20.2) and 1.32 (kubectl/v1.32.1) alike. */
const KUBECTL_GET = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
/** KUBECTL_OLD is the header of kubectl before meta.k8s.io/v1 Tables (1.14 and older). */
const KUBECTL_OLD = 'application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json';
/** METADATA_LIST and METADATA_GET are client-go's metadata client headers (list; get and watch). */
const METADATA_LIST =
  'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA_GET =
  'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const KUBE_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

describe('negotiateOutput', () => {
  it('gives kubectl get a meta.k8s.io/v1 Table in JSON', () => {
    expect(negotiateOutput(KUBECTL_GET)).toEqual({ mediaType: 'application/json', target: { kind: 'Table', version: 'v1' }, pretty: false });
    expect(negotiateTable(KUBECTL_GET)).toEqual({ version: 'v1' });
  });

  it('gives old kubectl a v1beta1 Table', () => {
    expect(negotiateTable(KUBECTL_OLD)).toEqual({ version: 'v1beta1' });
  });

  it.each([undefined, '', 'application/json', '*/*', '*', 'application/*', 'text/html, application/json;q=0.9', 'application/json;stream=watch'])(
    'answers %j with the plain object',
    (accept) => {
      expect(negotiateOutput(accept).target).toEqual({ kind: 'Object' });
      expect(negotiateTable(accept)).toBeUndefined();
    },
  );

  it('gives client-go metadata informers PartialObjectMetadata(List), skipping protobuf it does not serve', () => {
    expect(negotiateOutput(METADATA_LIST).target).toEqual({ kind: 'PartialObjectMetadataList', version: 'v1' });
    expect(negotiateOutput(METADATA_GET).target).toEqual({ kind: 'PartialObjectMetadata', version: 'v1' });
    expect(negotiateOutput(METADATA_GET).mediaType).toBe('application/json');
  });

  it('answers 406 when every clause asks for something not served', () => {
    const cases = [
      'application/json;as=Foo;v=v1;g=meta.k8s.io',
      'application/json;as=Table;v=v2;g=meta.k8s.io',
      'application/json;as=Table;v=v1;g=example.com',
      'application/json;as=Table',
      'application/vnd.kubernetes.protobuf',
      'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io',
      'text/plain',
      'application/json;stream=other',
    ];
    for (const accept of cases) {
      expect(() => negotiateOutput(accept), accept).toThrow(new NotAcceptableError('only the following media types are accepted: application/json'));
    }
    expect(() => negotiateOutput('application/json;as=Foo;v=v1;g=meta.k8s.io', { mediaTypes: KUBE_MEDIA_TYPES })).toThrow(
      'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    );
  });

  it('falls through an unsupported transform to the next clause', () => {
    expect(negotiateOutput('application/json;as=Foo;v=v1;g=meta.k8s.io,application/json').target).toEqual({ kind: 'Object' });
  });

  it('prints Tables only as JSON or YAML', () => {
    expect(negotiateOutput('application/yaml;as=Table;v=v1;g=meta.k8s.io', { mediaTypes: KUBE_MEDIA_TYPES })).toEqual({
      mediaType: 'application/yaml',
      target: { kind: 'Table', version: 'v1' },
      pretty: false,
    });
    const viaProtobuf = negotiateOutput('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json', { mediaTypes: KUBE_MEDIA_TYPES });
    expect(viaProtobuf).toEqual({ mediaType: 'application/json', target: { kind: 'Object' }, pretty: false });
    const metadataViaProtobuf = negotiateOutput(METADATA_GET, { mediaTypes: KUBE_MEDIA_TYPES });
    expect(metadataViaProtobuf.mediaType).toBe('application/vnd.kubernetes.protobuf');
    expect(metadataViaProtobuf.target).toEqual({ kind: 'PartialObjectMetadata', version: 'v1' });
  });

  it('orders clauses by q, then by specificity', () => {
    expect(negotiateOutput('application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io').target).toEqual({ kind: 'Table', version: 'v1' });
    expect(negotiateOutput('*/*;as=Table;v=v1;g=meta.k8s.io,application/json').target).toEqual({ kind: 'Object' });
    expect(negotiateOutput('application/*;as=Table;v=v1;g=meta.k8s.io,application/json').target).toEqual({ kind: 'Object' });
    expect(negotiateOutput('application/json;q=0,application/json;as=Table;v=v1;g=meta.k8s.io;q=x').target).toEqual({ kind: 'Object' });
  });

  it('reads pretty, stream and sv', () => {
    expect(negotiateOutput('application/json;pretty=1').pretty).toBe(true);
    expect(negotiateOutput('application/json;stream=watch').stream).toBe('watch');
    expect(negotiateOutput('application/json;sv=v1').target).toEqual({ kind: 'Object' });
    expect(() => negotiateOutput('application/json;sv=v2')).toThrow(NotAcceptableError);
    expect(() => negotiateOutput('application/yaml;stream=watch', { mediaTypes: ['application/yaml'] })).toThrow(NotAcceptableError);
  });
});

describe('parseAccept', () => {
  it('parses clauses like goautoneg', () => {
    expect(parseAccept(' application/json ; as=Table ; v=v1 , */*;q=0.1, text, a/b/c, *')).toEqual([
      { type: 'application', subType: 'json', q: 1, params: { as: 'Table', v: 'v1' } },
      { type: '*', subType: '*', q: 1, params: {} },
      { type: '*', subType: '*', q: 0.1, params: {} },
    ]);
  });

  it('keeps equal clauses in header order', () => {
    expect(parseAccept(KUBECTL_GET).map((c) => c.params.v ?? '-')).toEqual(['v1', 'v1beta1', '-']);
  });
});
