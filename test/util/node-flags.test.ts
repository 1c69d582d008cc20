import { describe, expect, it } from 'vitest';
import { NODE_RUNTIME_FLAGS, withRuntimeFlags } from '../../src/util/node-flags.js';

describe('withRuntimeFlags', () => {
  it("adds capstan's runtime flags before the parent's own Node arguments", () => {
    expect(withRuntimeFlags(['--import', 'tsx'], '')).toEqual([...NODE_RUNTIME_FLAGS, '--import', 'tsx']);
  });

  it('leaves an option the caller set, in the arguments or in NODE_OPTIONS, to the caller', () => {
    expect(withRuntimeFlags(['--max-semi-space-size=8'], '')).toEqual(['--max-semi-space-size=8']);
    expect(withRuntimeFlags([], '--trace-warnings --max-semi-space-size=64')).toEqual([]);
  });
});
