/**
 * Indexer is an informer's cache (client-go's cache.Indexer over a ThreadSafeStore): objects keyed
 * `namespace/name` (or `name` when cluster-scoped), with named secondary indexes — each an IndexFunc giving
 * the values an object is filed under (its namespace, its spec.nodeName …). Objects are deep-frozen when
 * they enter, so a handler or lister that tries to mutate a cached object throws instead of silently
 * corrupting the cache; whoever wants to change one works on deepCopy(obj).
 */
import { deepFreeze, objectKey, type DeepReadonly, type HasMetadata } from '../../api/index.js';
import { IndexNotFoundError } from './errors.js';

/** IndexFunc returns the index values an object is filed under (none to leave it out of the index). */
export type IndexFunc<T> = (obj: DeepReadonly<T>) => readonly string[];

/** Indexers names the secondary indexes of a cache. */
export type Indexers<T> = Readonly<Record<string, IndexFunc<T>>>;

/** NAMESPACE_INDEX is the conventional name of the by-namespace index (cache.NamespaceIndex). */
export const NAMESPACE_INDEX = 'namespace';

/** indexByNamespace files an object under its namespace (cache.MetaNamespaceIndexFunc). */
export function indexByNamespace<T extends HasMetadata>(obj: DeepReadonly<T>): readonly string[] {
  const ns = (obj as DeepReadonly<HasMetadata>).metadata?.namespace;
  return ns === undefined || ns === '' ? [] : [ns];
}

/** CacheReader is the read side of a cache, what listers and handlers get. */
export interface CacheReader<T> {
  /** get returns the object under key, if cached. */
  get(key: string): DeepReadonly<T> | undefined;
  /** list returns every cached object. */
  list(): DeepReadonly<T>[];
  /** listKeys returns every key. */
  listKeys(): string[];
  /** byIndex returns the objects filed under value in the named index. */
  byIndex(indexName: string, value: string): DeepReadonly<T>[];
  /** indexKeys returns the keys filed under value in the named index. */
  indexKeys(indexName: string, value: string): string[];
  /** listIndexValues returns the values present in the named index. */
  listIndexValues(indexName: string): string[];
  /** size is the number of cached objects. */
  readonly size: number;
}

/** Indexer is a keyed, indexed cache of frozen objects; only its owner (an informer) writes to it. */
export class Indexer<T extends HasMetadata> implements CacheReader<T> {
  private readonly items = new Map<string, DeepReadonly<T>>();
  /** indices: index name → index value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(
    private indexers: Indexers<T> = {},
    private readonly keyFunc: (obj: DeepReadonly<T>) => string = (o) => objectKey(o as HasMetadata),
  ) {
    for (const name of Object.keys(indexers)) this.indices.set(name, new Map());
  }

  /** addIndexers adds secondary indexes and files every cached object in them (cache.Indexer.AddIndexers); a name already in use throws. */
  addIndexers(more: Indexers<T>): void {
    for (const name of Object.keys(more)) if (name in this.indexers) throw new Error(`indexer conflict: ${name}`);
    this.indexers = { ...this.indexers, ...more };
    for (const [name, fn] of Object.entries(more)) {
      const idx = new Map<string, Set<string>>();
      this.indices.set(name, idx);
      for (const [key, obj] of this.items) {
        for (const v of new Set(fn(obj))) {
          let keys = idx.get(v);
          if (keys === undefined) idx.set(v, (keys = new Set()));
          keys.add(key);
        }
      }
    }
  }

  /** keyOf returns obj's cache key. */
  keyOf(obj: DeepReadonly<T> | T): string {
    return this.keyFunc(obj as DeepReadonly<T>);
  }

  /** upsert freezes obj, stores it under its key and re-files it in every index; it returns the object it replaced. */
  upsert(obj: T | DeepReadonly<T>): { key: string; obj: DeepReadonly<T>; old: DeepReadonly<T> | undefined } {
    const frozen = deepFreeze(obj as T);
    const key = this.keyFunc(frozen);
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, frozen);
    this.index(key, frozen);
    return { key, obj: frozen, old };
  }

  /** deleteKey removes the object under key and returns it. */
  deleteKey(key: string): DeepReadonly<T> | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /** replace swaps the whole content for objs (a relist). */
  replace(objs: readonly (T | DeepReadonly<T>)[]): void {
    this.items.clear();
    for (const idx of this.indices.values()) idx.clear();
    for (const o of objs) this.upsert(o);
  }

  get(key: string): DeepReadonly<T> | undefined {
    return this.items.get(key);
  }

  list(): DeepReadonly<T>[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  byIndex(indexName: string, value: string): DeepReadonly<T>[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  indexKeys(indexName: string, value: string): string[] {
    const idx = this.indices.get(indexName);
    if (idx === undefined) throw new IndexNotFoundError(indexName);
    return [...(idx.get(value) ?? [])];
  }

  listIndexValues(indexName: string): string[] {
    const idx = this.indices.get(indexName);
    if (idx === undefined) throw new IndexNotFoundError(indexName);
    return [...idx.keys()];
  }

  private index(key: string, obj: DeepReadonly<T>): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = this.indices.get(name)!;
      for (const v of new Set(fn(obj))) {
        let keys = idx.get(v);
        if (keys === undefined) idx.set(v, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, obj: DeepReadonly<T>): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = this.indices.get(name)!;
      for (const v of new Set(fn(obj))) {
        const keys = idx.get(v);
        if (keys === undefined) continue;
        keys.delete(key);
        if (keys.size === 0) idx.delete(v);
      }
    }
  }
}
