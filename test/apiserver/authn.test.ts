/**
 * Impersonation headers as kube-apiserver's impersonation filter reads them: the user, uid, groups and
 * extras a request acts as, the groups a service account or an anonymous user brings, and the refusal of
 * groups or extras without a user.
 */
import { describe, expect, it } from 'vitest';
import { asksImpersonation, ImpersonationError, impersonated } from '../../src/apiserver/authn.js';

describe('asksImpersonation', () => {
  it('finds an Impersonate-* header by name, in any case, among raw headers', () => {
    expect(asksImpersonation(['Host', 'x', 'Authorization', 'Bearer t'])).toBe(false);
    expect(asksImpersonation(['Host', 'impersonate-user'])).toBe(false); // a value, not a name
    expect(asksImpersonation(['Host', 'x', 'Impersonate-User', 'jane'])).toBe(true);
    expect(asksImpersonation(['IMPERSONATE-EXTRA-scopes', 'a'])).toBe(true);
    expect(asksImpersonation(['Impersonate', 'x'])).toBe(false);
  });
});

describe('impersonated', () => {
  it('is undefined without impersonation headers', () => {
    expect(impersonated({ authorization: ['Bearer x'] })).toBeUndefined();
  });

  it('acts as the user with the given uid, groups and extras, adding system:authenticated', () => {
    expect(impersonated({ 'impersonate-user': ['jane'], 'impersonate-uid': ['u-1'], 'impersonate-group': ['dev', 'ops'], 'impersonate-extra-scopes': ['a', 'b'], 'impersonate-extra-team%2fname': ['x'] })).toEqual({
      name: 'jane',
      uid: 'u-1',
      groups: ['dev', 'ops', 'system:authenticated'],
      extra: { scopes: ['a', 'b'], 'team/name': ['x'] },
    });
    expect(impersonated({ 'impersonate-user': ['jane'], 'impersonate-group': ['system:unauthenticated'] })!.groups).toEqual(['system:unauthenticated']);
    expect(impersonated({ 'impersonate-user': ['system:anonymous'] })!.groups).toEqual(['system:unauthenticated']);
  });

  it('gives a service account its groups when none are asked for', () => {
    expect(impersonated({ 'impersonate-user': ['system:serviceaccount:kube-system:robot'] })!.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']);
    expect(impersonated({ 'impersonate-user': ['system:serviceaccount:kube-system:robot'], 'impersonate-group': ['g'] })!.groups).toEqual(['g', 'system:authenticated']);
  });

  it('refuses groups, a uid or extras without a user, naming the requests as kube does', () => {
    expect(() => impersonated({ 'impersonate-group': ['dev'] })).toThrow(new ImpersonationError('requested [{Group  dev    }] without impersonating a user'));
    expect(() => impersonated({ 'impersonate-uid': ['u'] })).toThrow('requested [{UID  u  authentication.k8s.io/v1  }] without impersonating a user');
    expect(() => impersonated({ 'impersonate-extra-scopes': ['x'] })).toThrow('requested [{UserExtra  x  authentication.k8s.io/v1  scopes}] without impersonating a user');
  });

  it('keeps an extra key that does not unescape as it is, and treats a malformed service account name as a user', () => {
    expect(impersonated({ 'impersonate-user': ['jane'], 'impersonate-extra-%zz': ['x'] })!.extra).toEqual({ '%zz': ['x'] });
    expect(impersonated({ 'impersonate-user': ['system:serviceaccount:ns'] })!.groups).toEqual(['system:authenticated']);
    expect(impersonated({ 'impersonate-user': ['system:serviceaccount:Bad_NS:robot'] })!.groups).toEqual(['system:authenticated']);
  });
});
