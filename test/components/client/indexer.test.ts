import { describe, expect, it } from 'vitest';
import type { ConfigMap, Pod } from '../../../src/api/index.js';
import { IndexNotFoundError } from '../../../src/components/client/errors.js';
import { Indexer, indexByNamespace, NAMESPACE_INDEX } from '../../../src/components/client/indexer.js';

function pod(namespace: string, name: string, nodeName?: string, rv = '1'): Pod {
  return { metadata: { namespace, name, resourceVersion: rv }, spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName === undefined ? {} : { nodeName }) } };
}

const byNode = (p: { readonly spec?: { readonly nodeName?: string } }): readonly string[] => (p.spec?.nodeName === undefined ? [] : [p.spec.nodeName]);

describe('Indexer', () => {
  it('keys objects namespace/name (name alone when cluster-scoped) and files them in named indexes', () => {
    const idx = new Indexer<Pod>({ [NAMESPACE_INDEX]: indexByNamespace, nodeName: byNode });
    idx.upsert(pod('a', 'p1', 'n1'));
    idx.upsert(pod('a', 'p2'));
    idx.upsert(pod('b', 'p1', 'n1'));
    idx.upsert({ metadata: { name: 'cluster-wide' } });
    expect(idx.listKeys().sort()).toEqual(['a/p1', 'a/p2', 'b/p1', 'cluster-wide']);
    expect(idx.size).toBe(4);
    expect(idx.byIndex(NAMESPACE_INDEX, 'a').map((p) => p.metadata.name).sort()).toEqual(['p1', 'p2']);
    expect(idx.indexKeys('nodeName', 'n1').sort()).toEqual(['a/p1', 'b/p1']);
    expect(idx.listIndexValues(NAMESPACE_INDEX).sort()).toEqual(['a', 'b']);
    expect(idx.get('a/p2')?.spec?.nodeName).toBeUndefined();
  });

  it('re-files an object whose index values change, and forgets empty index values', () => {
    const idx = new Indexer<Pod>({ nodeName: byNode });
    idx.upsert(pod('a', 'p', 'n1'));
    const { old } = idx.upsert(pod('a', 'p', 'n2', '2'));
    expect(old?.metadata.resourceVersion).toBe('1');
    expect(idx.indexKeys('nodeName', 'n1')).toEqual([]);
    expect(idx.listIndexValues('nodeName')).toEqual(['n2']);
    expect(idx.deleteKey('a/p')?.metadata.resourceVersion).toBe('2');
    expect(idx.listIndexValues('nodeName')).toEqual([]);
    expect(idx.deleteKey('a/p')).toBeUndefined();
  });

  it('replace swaps the whole content', () => {
    const idx = new Indexer<Pod>({ nodeName: byNode });
    idx.upsert(pod('a', 'gone', 'n1'));
    idx.replace([pod('a', 'p1', 'n2'), pod('a', 'p2', 'n2')]);
    expect(idx.listKeys().sort()).toEqual(['a/p1', 'a/p2']);
    expect(idx.indexKeys('nodeName', 'n1')).toEqual([]);
    expect(idx.indexKeys('nodeName', 'n2').sort()).toEqual(['a/p1', 'a/p2']);
  });

  it('hands out frozen objects: a write to a cached object throws', () => {
    const idx = new Indexer<ConfigMap>();
    const { obj } = idx.upsert({ metadata: { namespace: 'a', name: 'c' }, data: { k: 'v' } });
    expect(Object.isFrozen(obj)).toBe(true);
    expect(() => {
      (obj.data as Record<string, string>)['k'] = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (obj.metadata as { name: string }).name = 'other';
    }).toThrow(TypeError);
    expect(idx.get('a/c')?.data?.['k']).toBe('v');
  });

  it('refuses an index it was not built with', () => {
    const idx = new Indexer<Pod>();
    expect(() => idx.byIndex('nope', 'x')).toThrow(IndexNotFoundError);
    expect(() => idx.listIndexValues('nope')).toThrow('Index with name nope does not exist');
  });
});
