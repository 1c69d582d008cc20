import { describe, expect, it } from 'vitest';
import { InvalidGroupVersionError } from '../../src/api/errors.js';
import { groupVersionString, gvkFromAPIVersionAndKind, gvkString, parseGroupVersion } from '../../src/api/group-version.js';

describe('group versions (schema.ParseGroupVersion)', () => {
  it.each([
    ['v1', '', 'v1'],
    ['apps/v1', 'apps', 'v1'],
    ['coordination.k8s.io/v1', 'coordination.k8s.io', 'v1'],
    ['', '', ''],
    ['/', '', ''],
    ['apps/', 'apps', ''],
  ])('%j', (gv, group, version) => {
    expect(parseGroupVersion(gv)).toEqual({ group, version });
  });

  it('rejects more than one slash', () => {
    expect(() => parseGroupVersion('a/b/c')).toThrow(new InvalidGroupVersionError('unexpected GroupVersion string: a/b/c'));
    expect(gvkFromAPIVersionAndKind('a/b/c', 'Pod')).toEqual({ group: '', version: '', kind: 'Pod' });
  });

  it('renders as Go does', () => {
    expect(groupVersionString({ group: '', version: 'v1' })).toBe('v1');
    expect(groupVersionString({ group: 'apps', version: 'v1' })).toBe('apps/v1');
    expect(gvkString(gvkFromAPIVersionAndKind('v1', 'Pod'))).toBe('/v1, Kind=Pod');
    expect(gvkString(gvkFromAPIVersionAndKind('apps/v1', 'Deployment'))).toBe('apps/v1, Kind=Deployment');
  });
});
