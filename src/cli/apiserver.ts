import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Command } from 'commander';
import { TokenAuthenticator } from '../apiserver/authn.js';
import { ApiServerConfigError, chooseAdvertiseAddress, defaultRouteInterface, resolveApiServerFlags, type ApiServerFlags } from '../apiserver/config.js';
import { builtinRegistry } from '../apiserver/registry.js';
import { ServiceAllocator } from '../apiserver/resources/service-allocation.js';
import { ApiServer } from '../apiserver/server.js';
import { systemClock } from '../util/clock.js';
import { CapstanError } from '../util/errors.js';
import { createLogger } from '../util/logger.js';
import { cryptoRandom } from '../util/random.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { untilShutdownSignal } from './signals.js';

/** routeInterface is the interface of the default route, where the routing table can be read (Linux). */
function routeInterface(): string | undefined {
  try {
    return defaultRouteInterface(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return undefined;
  }
}

/** API_SERVER_MAX_REQUEST_BYTES is kube-apiserver's limit on a request body (3 MiB). */
const API_SERVER_MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/**
 * registerApiServer adds `capstan apiserver`: one stateless replica of the Kubernetes-compatible API over the
 * store, configured with kube-apiserver's flag names. It runs until SIGINT or SIGTERM, then stops cleanly
 * (watches end, so clients re-establish them on another replica).
 */
export function registerApiServer(program: Command, ctx: CliContext): void {
  program
    .command('apiserver')
    .description('run one replica of the Kubernetes-compatible API server over the store')
    .option('--etcd-servers <urls>', 'comma-separated store client URLs (required)')
    .option('--etcd-prefix <prefix>', 'key prefix of every object in the store (default "/registry")')
    .option('--bind-address <ip>', 'address of the secure port (default "0.0.0.0")')
    .option('--secure-port <port>', 'HTTPS port; 0 serves no HTTPS (default 6443)')
    .option('--tls-cert-file <path>', 'PEM serving certificate (with its chain) of the secure port')
    .option('--tls-private-key-file <path>', 'PEM private key of --tls-cert-file')
    .option('--token-auth-file <path>', 'CSV of bearer tokens: token,user,uid[,"group1,group2"]')
    .option('--insecure-port <port>', 'plain-HTTP port without authentication, loopback only; 0 disables (default 0)')
    .option('--insecure-bind-address <ip>', 'loopback address of the insecure port (default "127.0.0.1")')
    .option('--min-request-timeout <seconds>', 'watches last between this and twice this unless the client asks for less (default 1800)')
    .option('--watch-bookmark-interval <duration>', 'how often watches that allow bookmarks get one (default 1m)')
    .option('--watch-flush-interval <duration>', 'the shortest time between two socket writes of one busy watch stream; 0 writes every batch at once (default 10ms)')
    .option('--default-watch-cache-size <n>', 'recent changes each resource\'s watch cache keeps for watches that start in the past (default 1000)')
    .option('--service-cluster-ip-range <cidr>', 'IPv4 CIDR Services get cluster IPs from (default "10.96.0.0/12")')
    .option('--service-node-port-range <range>', 'ports NodePort Services get node ports from (default "30000-32767")')
    .option('--event-ttl <duration>', 'how long events are kept (default 1h)')
    .option('--default-not-ready-toleration-seconds <n>', 'tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration added to pods without one (default 300)')
    .option('--default-unreachable-toleration-seconds <n>', 'tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration added to pods without one (default 300)')
    .option('--advertise-address <ip>', 'address published in the kubernetes Service\'s Endpoints (default: --bind-address, or the default route\'s IPv4 address)')
    .option('--endpoint-reconciler-type <type>', 'lease: the kubernetes Endpoints list every live replica; none: left alone (default "lease")')
    .option('--endpoint-reconciler-lease-ttl <duration>', 'TTL of each replica\'s master lease, refreshed every two thirds of it (default 15s)')
    .option('--log-level <level>', 'debug, info, warn or error (default "info")')
    .action(async (opts: ApiServerFlags) => {
      let flags;
      let tokens;
      let tls;
      let advertise: string | undefined;
      try {
        flags = resolveApiServerFlags(opts);
        tokens = flags.tokenAuthFile === undefined ? undefined : TokenAuthenticator.fromFile(flags.tokenAuthFile);
        tls = flags.secure === undefined ? undefined : { cert: readFileSync(flags.secure.certFile, 'utf8'), key: readFileSync(flags.secure.keyFile, 'utf8') };
        advertise = flags.secure === undefined ? undefined : (flags.advertiseAddress ?? chooseAdvertiseAddress(flags.secure.host, networkInterfaces(), routeInterface()));
      } catch (err) {
        if (err instanceof ApiServerConfigError || err instanceof CapstanError) throw new CommandError(err.message, 'INVALID_CONFIG', 2);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CommandError((err as Error).message, 'INVALID_CONFIG', 2);
        throw err;
      }
      const log = createLogger({ level: flags.logLevel, name: 'apiserver' });
      let started;
      try {
        started = await ApiServer.start(
          {
            etcdServers: flags.etcdServers,
            etcdPrefix: flags.etcdPrefix,
            ...(flags.secure === undefined || tls === undefined ? {} : { secure: { host: flags.secure.host, port: flags.secure.port, ...tls } }),
            ...(flags.insecure === undefined ? {} : { insecure: flags.insecure }),
            ...(tokens === undefined ? {} : { tokens }),
            maxRequestBytes: API_SERVER_MAX_REQUEST_BYTES,
            bookmarkIntervalMs: flags.bookmarkIntervalMs,
            watchFlushIntervalMs: flags.watchFlushIntervalMs,
            watchCacheSize: flags.watchCacheSize,
            eventTtlSeconds: flags.eventTtlSeconds,
            minRequestTimeoutSeconds: flags.minRequestTimeoutSeconds,
            ...(advertise === undefined
              ? {}
              : {
                  kubernetesService: {
                    serviceIP: new ServiceAllocator(flags.serviceRanges).kubernetesServiceIP,
                    address: advertise,
                    reconcileEndpoints: flags.endpointReconciler === 'lease',
                    leaseTtlSeconds: flags.endpointReconcilerLeaseTtlSeconds,
                  },
                }),
          },
          { clock: systemClock, random: cryptoRandom, log, registry: builtinRegistry(flags.serviceRanges, flags.podAdmission) },
        );
      } catch (err) {
        log.fatal({ err }, 'apiserver: failed to start');
        throw new CommandError(`failed to start: ${(err as Error).message}`, 'START_FAILED', 1);
      }
      const where = [
        started.listening.securePort === undefined ? '' : `https://${flags.secure!.host}:${started.listening.securePort}`,
        started.listening.insecurePort === undefined ? '' : `http://${flags.insecure!.host}:${started.listening.insecurePort}`,
      ].filter((s) => s !== '');
      ctx.stderr(`capstan apiserver: serving ${where.join(' and ')}\n`);
      await untilShutdownSignal(log, 'apiserver');
      await started.server.stop();
      log.flush();
    });
}
