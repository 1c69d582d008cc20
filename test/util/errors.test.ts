import { describe, expect, it } from 'vitest';
import { AssertionError, CapstanError, invariant } from '../../src/util/errors.js';

class NotLeaderError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: not leader', 'NOT_LEADER', true, options);
  }
}

class CompactedError extends CapstanError {
  constructor() {
    super('mvcc: required revision has been compacted', 'COMPACTED', false);
  }
}

describe('CapstanError', () => {
  it('carries name, code, retryable and message', () => {
    const e = new CapstanError('boom', 'BOOM', false);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CapstanError');
    expect(e.code).toBe('BOOM');
    expect(e.retryable).toBe(false);
    expect(e.message).toBe('boom');
  });

  it('names subclasses after themselves', () => {
    const e = new NotLeaderError();
    expect(e.name).toBe('NotLeaderError');
    expect(e).toBeInstanceOf(CapstanError);
    expect(e.retryable).toBe(true);
    expect(String(e)).toBe('NotLeaderError: etcdserver: not leader');
  });

  it('chains causes through ErrorOptions', () => {
    const root = new Error('ECONNRESET');
    const mid = new NotLeaderError({ cause: root });
    const top = new CapstanError('put failed', 'PUT_FAILED', true, { cause: mid });
    expect(top.cause).toBe(mid);
    expect((top.cause as Error).cause).toBe(root);
  });

  it('is() recognises CapstanErrors, optionally by code', () => {
    const e = new CompactedError();
    expect(CapstanError.is(e)).toBe(true);
    expect(CapstanError.is(e, 'COMPACTED')).toBe(true);
    expect(CapstanError.is(e, 'NOT_LEADER')).toBe(false);
    expect(CapstanError.is(new Error('x'))).toBe(false);
    expect(CapstanError.is({ code: 'COMPACTED' }, 'COMPACTED')).toBe(false);
    expect(CapstanError.is(undefined)).toBe(false);
  });
});

describe('invariant', () => {
  it('passes on a truthy condition', () => {
    expect(() => invariant(1, 'never')).not.toThrow();
  });

  it('throws an AssertionError naming the invariant', () => {
    expect(() => invariant(false, 'commit <= lastIndex')).toThrow(AssertionError);
    try {
      invariant(0, 'commit <= lastIndex');
    } catch (err) {
      expect(err).toBeInstanceOf(AssertionError);
      expect((err as AssertionError).name).toBe('AssertionError');
      expect((err as AssertionError).message).toBe('commit <= lastIndex');
    }
  });

  it('builds a lazy message only when the invariant breaks', () => {
    let built = 0;
    const msg = (): string => {
      built++;
      return 'commit 7 > lastIndex 5';
    };
    invariant(true, msg);
    expect(built).toBe(0);
    expect(() => invariant(null, msg)).toThrow('commit 7 > lastIndex 5');
    expect(built).toBe(1);
  });

  it('is not a CapstanError: a broken invariant is a bug, not a domain condition', () => {
    expect(CapstanError.is(new AssertionError('x'))).toBe(false);
  });
});
