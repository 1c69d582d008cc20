/**
 * Boolean query parameters read as kube's query conversion reads them (Convert_Slice_string_To_bool): `watch`
 * (which turns a list into a watch), `allowWatchBookmarks` and a DELETE's `orphanDependents`.
 */
import { describe, expect, it } from 'vitest';
import { parseRequestInfo, queryFlag } from '../../src/apiserver/request-info.js';

describe('queryFlag', () => {
  it('is undefined when absent, false for 0, f and false in any case, true for anything else, the empty value too', () => {
    const q = (s: string): URLSearchParams => new URLSearchParams(s);
    expect(queryFlag(q(''), 'watch')).toBeUndefined();
    for (const v of ['0', 'f', 'F', 'false', 'FALSE', 'False']) expect(queryFlag(q(`watch=${v}`), 'watch')).toBe(false);
    for (const v of ['1', 'true', 't', 'yes', '']) expect(queryFlag(q(`watch=${v}`), 'watch')).toBe(true);
  });

  it('makes a GET of a collection a watch or a list', () => {
    const verb = (query: string): string | undefined => {
      const info = parseRequestInfo('GET', '/api/v1/namespaces/default/pods', new URLSearchParams(query));
      return info !== undefined && 'verb' in info ? info.verb : undefined;
    };
    expect(verb('watch=true')).toBe('watch');
    expect(verb('watch=')).toBe('watch');
    expect(verb('watch=F')).toBe('list');
    expect(verb('')).toBe('list');
  });
});
