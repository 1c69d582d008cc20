import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitMark, decodeMark } from '../../src/store/commit-mark.js';

const dirs: string[] = [];
const marks: CommitMark[] = [];

function markPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'capstan-commit-mark-'));
  dirs.push(d);
  return join(d, 'commit');
}

function openMark(path: string, reset = false): CommitMark {
  const m = CommitMark.open(path, reset);
  marks.push(m);
  return m;
}

afterEach(() => {
  for (const m of marks.splice(0)) m.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('commit mark', () => {
  it('starts at 0 in a new file, and each advance is in the file when it returns, without a close', () => {
    const path = markPath();
    const m = openMark(path);
    expect(m.index).toBe(0);
    expect(m.damaged).toBe(false);
    m.advance(7);
    expect(decodeMark(readFileSync(path))).toBe(7);
    m.advance(12);
    expect(m.index).toBe(12);
    expect(decodeMark(readFileSync(path))).toBe(12);
    // Another open of the same file, as a restart after kill -9 would, reads it back.
    expect(openMark(path).index).toBe(12);
  });

  it('never goes back: an advance to an index at or below the mark writes nothing', () => {
    const path = markPath();
    const m = openMark(path);
    m.advance(9);
    // Another writer's record stands in for what the file holds: an advance that wrote would replace it.
    writeFileSync(path, readFileSync(path).fill(0xff));
    m.advance(9);
    m.advance(3);
    expect(m.index).toBe(9);
    expect(readFileSync(path).every((b) => b === 0xff)).toBe(true);
  });

  it('reset starts a file over at 0 (a new backend does not inherit a mark left behind)', () => {
    const path = markPath();
    openMark(path).advance(40);
    const m = openMark(path, true);
    expect(m.index).toBe(0);
    expect(openMark(path).index).toBe(0);
  });

  it('a short or damaged record counts as absent (0) and is reported; the next advance writes a whole one', () => {
    const path = markPath();
    openMark(path).advance(1234);
    const whole = readFileSync(path);
    for (const bytes of [whole.subarray(0, 5), Buffer.from(whole.map((b, i) => (i === 7 ? b ^ 1 : b)))]) {
      writeFileSync(path, bytes);
      const m = openMark(path);
      expect(m.index).toBe(0);
      expect(m.damaged).toBe(true);
      m.advance(5);
      expect(openMark(path)).toMatchObject({ index: 5, damaged: false });
    }
  });

  it('an advance after close fails instead of writing nowhere', () => {
    const m = openMark(markPath());
    m.close();
    expect(() => m.advance(1)).toThrow('commit mark: advanced after close');
  });
});
