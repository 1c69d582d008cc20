import * as grpc from '@grpc/grpc-js';
import { toGrpcError, AuthNotEnabledError } from '../errors.js';
import type { StoreMetrics } from '../metrics.js';
import type { StoreServer } from '../server.js';
import type { UnaryHandler } from './handler.js';
import { countedUnary } from './rpc-metrics.js';
import type * as pb from './types.js';

const unsupported = 'capstan: authentication is disabled in capstan store and cannot be enabled';

/**
 * authService implements etcdserverpb.Auth for a store whose authentication is off: AuthStatus says so,
 * Authenticate answers etcd's "authentication is not enabled", and user and role management is refused.
 * Every call is counted in the gRPC series, as etcd counts its Auth calls.
 */
export function authService(s: StoreServer, metrics?: StoreMetrics): Record<keyof pb.AuthServer, UnaryHandler<unknown, unknown>> {
  const refuse: UnaryHandler<unknown, never> = (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: unsupported });
  const handlers: Record<keyof pb.AuthServer, UnaryHandler<unknown, unknown>> = {
    AuthStatus: (_call, callback) => callback(null, { header: s.header(s.kv.currentRev), enabled: false, authRevision: '0' }),
    Authenticate: (_call, callback) => {
      const st = toGrpcError(new AuthNotEnabledError());
      callback({ code: st.code, details: st.details });
    },
    AuthEnable: refuse,
    AuthDisable: refuse,
    UserAdd: refuse,
    UserGet: refuse,
    UserList: refuse,
    UserDelete: refuse,
    UserChangePassword: refuse,
    UserGrantRole: refuse,
    UserRevokeRole: refuse,
    RoleAdd: refuse,
    RoleGet: refuse,
    RoleList: refuse,
    RoleDelete: refuse,
    RoleGrantPermission: refuse,
    RoleRevokePermission: refuse,
  };
  for (const name of Object.keys(handlers) as (keyof pb.AuthServer)[]) handlers[name] = countedUnary('etcdserverpb.Auth', name, handlers[name], metrics);
  return handlers;
}
