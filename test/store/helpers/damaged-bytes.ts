/**
 * Shared checks for capstan's hand-written protobuf readers, which must read any bytes as protobufjs does or
 * leave them to it: the damaged copies a property test feeds them, and the comparison itself.
 */
import { expect } from 'vitest';

/** damage returns b truncated (kind 0), with one byte changed (kind 1), or with garbage appended (kind 2). */
export function damage(b: Buffer, kind: number, at: number, v: number): Buffer {
  const i = b.length === 0 ? 0 : at % b.length;
  if (kind === 0) return b.subarray(0, i);
  if (kind === 1 && b.length > 0) {
    const c = Buffer.from(b);
    c[i] = v;
    return c;
  }
  return Buffer.concat([b, Buffer.from([v, v ^ 0x55, 0x01])]);
}

/**
 * expectReadAsProtobufjs checks a hand reader on bytes: what protobufjs reads (both seen through norm), or
 * undefined (left to protobufjs) — and undefined wherever protobufjs throws.
 */
export function expectReadAsProtobufjs<T>(b: Buffer, fast: (b: Buffer) => T | undefined, slow: (b: Buffer) => T, norm: (v: T) => unknown = (v) => v): void {
  const got = fast(b);
  let want: T;
  try {
    want = slow(b);
  } catch {
    expect(got).toBeUndefined();
    return;
  }
  if (got !== undefined) expect(norm(got)).toStrictEqual(norm(want));
}
