/**
 * authentication.k8s.io/v1: SelfSubjectReview, which tells the requesting user who the API server takes them
 * for (`kubectl auth whoami`). Answered, never stored. Field names and JSON as k8s.io/api/authentication/v1.
 */
import type { KubeObject } from './meta-v1.js';

/** AuthenticatedUserInfo is authentication/v1 UserInfo: an authenticated user as the API server sees them. */
export interface AuthenticatedUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** SelfSubjectReview carries the requesting user's attributes in status. */
export interface SelfSubjectReview extends KubeObject {
  status?: { userInfo?: AuthenticatedUserInfo };
}
