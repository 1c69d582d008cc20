/**
 * Random is a source of randomness handed to logic that must stay deterministic under a seed
 * (the Raft core's election timeouts, the simulator's fault injection, jittered backoff).
 */
export interface Random {
  /** float returns a number in [0, 1). */
  float(): number;
  /** int returns an integer in [0, n). n must be a positive safe integer. */
  int(n: number): number;
  /** uint64 returns a 64-bit unsigned integer (member, cluster and lease IDs). */
  uint64(): bigint;
}

/**
 * SeededRandom is xoshiro128** seeded through splitmix32: fast, with a 2^128 period, and the same
 * sequence for the same seed on every platform.
 */
export class SeededRandom implements Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(readonly seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** next32 returns the next 32-bit unsigned output. */
  next32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  float(): number {
    return this.next32() / 4294967296;
  }

  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`SeededRandom.int: n must be a positive safe integer, got ${n}`);
    return Math.floor(this.float() * n);
  }

  uint64(): bigint {
    return (BigInt(this.next32()) << 32n) | BigInt(this.next32());
  }

  /** fork derives an independent generator, so adding draws in one place does not shift another's sequence. */
  fork(): SeededRandom {
    return new SeededRandom(this.next32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * POOL_WORDS is how many 32-bit words cryptoRandom draws from the OS at once: one getRandomValues call per
 * draw cost the API server ~2 % of its CPU (a UID is two 64-bit draws per created object).
 */
const POOL_WORDS = 1024;
const pool = new Uint32Array(POOL_WORDS);
let poolNext = POOL_WORDS;

function cryptoWord(): number {
  if (poolNext === POOL_WORDS) {
    globalThis.crypto.getRandomValues(pool);
    poolNext = 0;
  }
  return pool[poolNext++]!;
}

/** cryptoRandom is a Random backed by the operating system's CSPRNG (drawn in batches), for production IDs. */
export const cryptoRandom: Random = {
  float: () => cryptoWord() / 4294967296,
  int(n) {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`cryptoRandom.int: n must be a positive safe integer, got ${n}`);
    return Math.floor(this.float() * n);
  },
  uint64: () => (BigInt(cryptoWord()) << 32n) | BigInt(cryptoWord()),
};
