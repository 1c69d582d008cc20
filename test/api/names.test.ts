import { describe, expect, it } from 'vitest';
import {
  MAX_GENERATED_NAME_LENGTH,
  NAME_ALPHANUMS,
  RANDOM_NAME_LENGTH,
  SimpleNameGenerator,
  generateName,
  randomString,
} from '../../src/api/names.js';
import { nameIsDNSSubdomain } from '../../src/api/object-meta-validation.js';
import { SeededRandom } from '../../src/util/random.js';

describe('generateName', () => {
  it('appends five characters from the vowel-free alphabet', () => {
    expect(NAME_ALPHANUMS).toBe('bcdfghjklmnpqrstvwxz2456789');
    const name = generateName('web-', new SeededRandom(1));
    expect(name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(RANDOM_NAME_LENGTH).toBe(5);
  });

  it('is deterministic for a seed, so a simulation replays its names', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const names = [generateName('web-', a), generateName('web-', a), generateName('', a)];
    expect(names).toEqual([generateName('web-', b), generateName('web-', b), generateName('', b)]);
    // pinned: if this changes, recorded seeds name objects differently
    expect(names).toEqual(['web-wff5d', 'web-bbj6l', 'gq982']);
    expect(generateName('web-', new SeededRandom(43))).not.toBe('web-wff5d');
  });

  it('truncates the prefix to 58 characters so the name fits 63', () => {
    const long = 'a'.repeat(100);
    const name = generateName(long, new SeededRandom(7));
    expect(MAX_GENERATED_NAME_LENGTH).toBe(58);
    expect(name).toHaveLength(63);
    expect(name.startsWith('a'.repeat(58))).toBe(true);
    expect(nameIsDNSSubdomain(name, false)).toEqual([]);
  });

  it('draws every character of the alphabet over many names', () => {
    const seen = new Set(randomString(new SeededRandom(3), 2000));
    expect([...seen].sort().join('')).toBe([...NAME_ALPHANUMS].sort().join(''));
  });

  it('SimpleNameGenerator binds a Random', () => {
    const gen = new SimpleNameGenerator(new SeededRandom(42));
    expect(gen.generateName('web-')).toBe('web-wff5d');
    expect(gen.generateName('web-')).toBe('web-bbj6l');
  });
});
