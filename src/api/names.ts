/**
 * Name generation for `metadata.generateName` (apiserver's storage/names): the server appends five random
 * characters to the prefix, truncating the prefix so the result fits a 63-character label. Randomness is
 * injected so that a seeded run names objects the same way every time.
 */
import type { Random } from '../util/random.js';

/** NAME_ALPHANUMS are the characters of generated suffixes: no vowels (no accidental words), no 0/1/3. */
export const NAME_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** RANDOM_NAME_LENGTH is the length of the generated suffix. */
export const RANDOM_NAME_LENGTH = 5;

/** MAX_GENERATED_NAME_LENGTH is the longest prefix kept: 63 minus the suffix. */
export const MAX_GENERATED_NAME_LENGTH = 63 - RANDOM_NAME_LENGTH;

/** NameGenerator turns a generateName prefix into a name. */
export interface NameGenerator {
  /** generateName returns base (truncated if needed) followed by a random suffix. */
  generateName(base: string): string;
}

/** randomString draws n characters of NAME_ALPHANUMS from random (utilrand.String). */
export function randomString(random: Random, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += NAME_ALPHANUMS[random.int(NAME_ALPHANUMS.length)]!;
  return out;
}

/**
 * generateName returns base truncated to MAX_GENERATED_NAME_LENGTH characters plus five random characters,
 * as names.SimpleNameGenerator does. The result is not checked for uniqueness: a create that collides fails
 * with AlreadyExists and the client retries.
 */
export function generateName(base: string, random: Random): string {
  const prefix = base.length > MAX_GENERATED_NAME_LENGTH ? base.slice(0, MAX_GENERATED_NAME_LENGTH) : base;
  return prefix + randomString(random, RANDOM_NAME_LENGTH);
}

/** SimpleNameGenerator is the NameGenerator the API server uses, bound to a Random. */
export class SimpleNameGenerator implements NameGenerator {
  constructor(private readonly random: Random) {}

  /** generateName draws the suffix from the bound Random; see the generateName function. */
  generateName(base: string): string {
    return generateName(base, this.random);
  }
}
