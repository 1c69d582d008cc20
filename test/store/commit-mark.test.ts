import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitMark, decodeMark, NO_MARK } from '../../src/store/commit-mark.js';

const dirs: string[] = [];
const marks: CommitMark[] = [];

function markPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'capstan-commit-mark-'));
  dirs.push(d);
  return join(d, 'commit');
}

function opened(m: CommitMark): CommitMark {
  marks.push(m);
  return m;
}

afterEach(() => {
  for (const m of marks.splice(0)) m.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('commit mark', () => {
  it('opens empty where there is no file, and each advance is in the file when it returns, without a close', () => {
    const path = markPath();
    const m = opened(CommitMark.open(path));
    expect(m.mark).toEqual(NO_MARK);
    expect(m.damaged).toBe(false);
    m.advance({ index: 7, term: 2 });
    expect(decodeMark(readFileSync(path))).toEqual({ index: 7, term: 2 });
    m.advance({ index: 12, term: 3 });
    expect(m.mark).toEqual({ index: 12, term: 3 });
    expect(decodeMark(readFileSync(path))).toEqual({ index: 12, term: 3 });
    // Another open of the same file, as a restart after kill -9 would, reads it back.
    expect(opened(CommitMark.open(path)).mark).toEqual({ index: 12, term: 3 });
  });

  it('never goes back: an advance to an index at or below the mark writes nothing', () => {
    const path = markPath();
    const m = opened(CommitMark.open(path));
    m.advance({ index: 9, term: 1 });
    // Bytes of another writer stand in for what the file holds: an advance that wrote would replace them.
    writeFileSync(path, readFileSync(path).fill(0xff));
    m.advance({ index: 9, term: 4 });
    m.advance({ index: 3, term: 1 });
    expect(m.mark).toEqual({ index: 9, term: 1 });
    expect(readFileSync(path).every((b) => b === 0xff)).toBe(true);
  });

  it('create starts a file over, empty (a new backend does not inherit a mark left behind)', () => {
    const path = markPath();
    opened(CommitMark.open(path)).advance({ index: 40, term: 5 });
    expect(opened(CommitMark.create(path)).mark).toEqual(NO_MARK);
    expect(opened(CommitMark.open(path)).mark).toEqual(NO_MARK);
  });

  it('a short or damaged record counts as no mark and is reported; the next advance writes a whole one', () => {
    const path = markPath();
    opened(CommitMark.open(path)).advance({ index: 1234, term: 9 });
    const whole = readFileSync(path);
    for (const bytes of [whole.subarray(0, 5), Buffer.from(whole.map((b, i) => (i === 7 ? b ^ 1 : b))), Buffer.from(whole.map((b, i) => (i === 12 ? b ^ 4 : b)))]) {
      writeFileSync(path, bytes);
      const m = opened(CommitMark.open(path));
      expect(m.mark).toEqual(NO_MARK);
      expect(m.damaged).toBe(true);
      m.advance({ index: 5, term: 1 });
      expect(opened(CommitMark.open(path))).toMatchObject({ mark: { index: 5, term: 1 }, damaged: false });
    }
  });

  it('an advance after close is a broken invariant, not a write to nowhere', () => {
    const m = CommitMark.open(markPath());
    m.close();
    expect(() => m.advance({ index: 1, term: 1 })).toThrow('commit mark: advanced to 1 after close');
  });
});
