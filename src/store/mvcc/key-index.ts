import { AssertionError } from '../../util/errors.js';
import { compareRevision, type Revision } from './revision.js';

/**
 * Generation is one life of a key: from its creation to its deletion (tombstone). `version` counts the
 * modifications in the life; `created` is the first revision; `revs` every revision, the last one being
 * the tombstone once the key is deleted.
 */
export interface Generation {
  version: number;
  created: Revision;
  revs: Revision[];
}

/** KeyIndexGet is what a read at some revision learns about a key. */
export interface KeyIndexGet {
  modified: Revision;
  created: Revision;
  version: number;
}

/**
 * KeyIndex records every revision of one key, grouped in generations (etcd's keyIndex): a key that is put,
 * deleted and put again has two generations. The last generation is empty while the key is deleted.
 */
export class KeyIndex {
  readonly key: string;
  modified: Revision = { main: 0, sub: 0 };
  generations: Generation[] = [emptyGeneration()];

  constructor(key: string) {
    this.key = key;
  }

  /** put records a modification at rev. */
  put(rev: Revision): void {
    if (compareRevision(rev, this.modified) <= 0) {
      throw new AssertionError(`keyIndex.put: revision ${rev.main}/${rev.sub} is not after ${this.modified.main}/${this.modified.sub} for key ${this.key}`);
    }
    const g = this.generations[this.generations.length - 1]!;
    if (g.revs.length === 0) g.created = rev;
    g.revs.push(rev);
    g.version++;
    this.modified = rev;
  }

  /** tombstone records a deletion at rev and starts a new, empty generation. */
  tombstone(rev: Revision, planned?: Generation[]): void {
    if (this.isDeleted()) throw new AssertionError(`keyIndex.tombstone: key ${this.key} is already deleted`);
    this.put(rev);
    const gens = this.generations;
    // A planned list is taken only while it still extends this one (planTombstone).
    if (planned !== undefined && planned.length === gens.length + 1 && planned[gens.length - 1] === gens[gens.length - 1]) this.generations = planned;
    else gens.push(emptyGeneration());
  }

  /**
   * planTombstone allocates ahead what tombstone adds — the generations with a new, empty one at the end — so
   * that a delete of many keys allocates (and the garbage collector copies) as little as possible while it
   * holds the event loop. It changes nothing.
   */
  planTombstone(): Generation[] {
    const out = this.generations.slice();
    out.push(emptyGeneration());
    return out;
  }

  /** isDeleted reports whether the key's latest state is deleted (or it never existed). */
  isDeleted(): boolean {
    return this.generations[this.generations.length - 1]!.revs.length === 0;
  }

  /** isEmpty reports whether nothing at all is left (after compaction). */
  isEmpty(): boolean {
    return this.generations.length === 1 && this.generations[0]!.revs.length === 0;
  }

  /**
   * get returns the latest modification at or before atRev, if the key was alive then: the revision, the
   * creation revision of that life, and the version within it.
   */
  get(atRev: number): KeyIndexGet | undefined {
    const g = this.findGeneration(atRev);
    if (g === undefined) return undefined;
    for (let i = g.revs.length - 1; i >= 0; i--) {
      const r = g.revs[i]!;
      if (r.main <= atRev) return { modified: r, created: g.created, version: g.version - (g.revs.length - 1 - i) };
    }
    return undefined;
  }

  /** since returns the revisions (main only, one per main) after or at rev, in order. */
  since(rev: number): Revision[] {
    const out: Revision[] = [];
    let last = -1;
    for (const g of this.generations) {
      for (const r of g.revs) {
        if (r.main < rev) continue;
        if (r.main === last) out[out.length - 1] = r;
        else out.push(r);
        last = r.main;
      }
    }
    return out;
  }

  /**
   * compact drops revisions that no read at atRev or later can need: within the generation alive at atRev
   * it keeps the latest revision ≤ atRev, earlier generations go whole (a tombstone ≤ atRev goes too).
   * Revisions it keeps are added to `available`, so the backend deletes only what nobody needs.
   */
  compact(atRev: number, available: Set<string>): void {
    let { genIdx, revIndex } = this.findCompactPoint(atRev);
    const g = this.generations[genIdx]!;
    if (g.revs.length > 0) {
      if (revIndex !== -1) {
        available.add(revKey(g.revs[revIndex]!));
        if (revIndex > 0) g.revs = g.revs.slice(revIndex);
      }
      // A generation reduced to its tombstone is over: nothing at or after atRev can read it.
      if (g.revs.length === 1 && genIdx !== this.generations.length - 1) {
        available.delete(revKey(g.revs[0]!));
        genIdx++;
      }
    }
    if (genIdx > 0) this.generations = this.generations.slice(genIdx);
  }

  /** keep adds to `available` the revisions compact(atRev) would keep, without changing anything. */
  keep(atRev: number, available: Set<string>): void {
    if (this.isEmpty()) return;
    const { genIdx, revIndex } = this.findCompactPoint(atRev);
    const g = this.generations[genIdx]!;
    if (g.revs.length === 0 || revIndex === -1) return;
    if (revIndex === g.revs.length - 1 && genIdx !== this.generations.length - 1) return; // a tombstone
    available.add(revKey(g.revs[revIndex]!));
  }

  /** findCompactPoint finds the first generation not entirely before atRev and the latest rev ≤ atRev in it. */
  private findCompactPoint(atRev: number): { genIdx: number; revIndex: number } {
    let genIdx = 0;
    // Skip generations that ended (tombstone) before atRev.
    while (genIdx < this.generations.length - 1) {
      const g = this.generations[genIdx]!;
      const tomb = g.revs[g.revs.length - 1]!;
      if (tomb.main > atRev) break;
      genIdx++;
    }
    const g = this.generations[genIdx]!;
    let revIndex = -1;
    for (let i = g.revs.length - 1; i >= 0; i--) {
      if (g.revs[i]!.main <= atRev) {
        revIndex = i;
        break;
      }
    }
    return { genIdx, revIndex };
  }

  /** findGeneration returns the generation in which the key was alive at rev, if any. */
  private findGeneration(rev: number): Generation | undefined {
    const last = this.generations.length - 1;
    for (let i = last; i >= 0; i--) {
      const g = this.generations[i]!;
      if (g.revs.length === 0) continue;
      // A generation that ended with a tombstone at or before rev is not alive at rev.
      if (i !== last && g.revs[g.revs.length - 1]!.main <= rev) return undefined;
      if (g.revs[0]!.main <= rev) return g;
    }
    return undefined;
  }
}

function emptyGeneration(): Generation {
  return { version: 0, created: { main: 0, sub: 0 }, revs: [] };
}

/** revKey is a revision as a map key. */
export function revKey(r: Revision): string {
  return `${r.main}_${r.sub}`;
}
