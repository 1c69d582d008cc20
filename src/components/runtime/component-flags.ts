import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { CapstanError } from '../../util/errors.js';
import { parseDurationMs } from '../../util/duration.js';
import { DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, DEFAULT_RETRY_PERIOD_MS, leaderElectionConfig } from '../leaderelection/config.js';

/** ComponentFlagsError is a bad flag of a component command (exit code 2 at the CLI). */
export class ComponentFlagsError extends CapstanError {
  constructor(message: string) {
    super(message, 'INVALID_FLAG', false);
  }
}

/** RawComponentFlags is what commander hands over for the options addComponentFlags declares. */
export interface RawComponentFlags {
  kubeconfig?: string;
  master?: string;
  leaderElect?: string | boolean;
  leaderElectLeaseDuration?: string;
  leaderElectRenewDeadline?: string;
  leaderElectRetryPeriod?: string;
  leaderElectResourceName?: string;
  leaderElectResourceNamespace?: string;
  identity?: string;
  bindAddress?: string;
  port?: string;
  logLevel?: string;
}

/** ComponentFlags are the resolved flags every component process shares (kube-scheduler's and kube-controller-manager's names). */
export interface ComponentFlags {
  readonly kubeconfig?: string;
  /** master overrides the kubeconfig's server URL. */
  readonly master?: string;
  readonly leaderElect: boolean;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly identity: string;
  readonly bindAddress: string;
  /** port serves /healthz, /readyz, /livez, /metrics, /leaderz; 0 picks a free one. */
  readonly port: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** ComponentDefaults are the per-component defaults of the shared flags. */
export interface ComponentDefaults {
  /** leaseName is the Lease in kube-system, e.g. kube-scheduler. */
  readonly leaseName: string;
  readonly port: number;
}

/** addComponentFlags declares the shared flags on cmd. */
export function addComponentFlags(cmd: Command, d: ComponentDefaults): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig with the API server (the load balancer) and the token to use')
    .option('--master <url>', 'API server URL, overriding the kubeconfig\'s server')
    .option('--leader-elect [bool]', 'contend for a Lease and act only while holding it (default true)')
    .option('--leader-elect-lease-duration <duration>', 'how long standbys wait after the last renewal before taking over (default 15s)')
    .option('--leader-elect-renew-deadline <duration>', 'how long the leader keeps trying to renew before it stops acting (default 10s)')
    .option('--leader-elect-retry-period <duration>', 'how often to try to acquire or renew the Lease (default 2s)')
    .option('--leader-elect-resource-name <name>', `name of the Lease (default "${d.leaseName}")`)
    .option('--leader-elect-resource-namespace <ns>', 'namespace of the Lease (default "kube-system")')
    .option('--identity <id>', 'leader-election identity (default HOSTNAME_UUID, as client-go)')
    .option('--bind-address <ip>', 'address of the health and metrics port (default "127.0.0.1")')
    .option('--port <port>', `plain-HTTP port of /healthz, /readyz, /metrics and /leaderz; 0 picks a free one (default ${d.port})`)
    .option('--log-level <level>', 'debug, info, warn or error (default "info")');
}

function duration(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const ms = parseDurationMs(v);
  if (ms === undefined || ms <= 0) throw new ComponentFlagsError(`--${flag}: ${JSON.stringify(v)} is not a positive duration such as 15s`);
  return ms;
}

/** resolveComponentFlags checks and fills in the shared flags. */
export function resolveComponentFlags(raw: RawComponentFlags, d: ComponentDefaults): ComponentFlags {
  if (raw.kubeconfig === undefined && raw.master === undefined) throw new ComponentFlagsError('give --kubeconfig (or --master)');
  let leaderElect = true;
  if (raw.leaderElect !== undefined && raw.leaderElect !== true) {
    if (raw.leaderElect === 'true' || raw.leaderElect === false) leaderElect = raw.leaderElect === 'true';
    else if (raw.leaderElect === 'false') leaderElect = false;
    else throw new ComponentFlagsError(`--leader-elect: ${JSON.stringify(raw.leaderElect)} is not true or false`);
  }
  const port = raw.port === undefined ? d.port : Number(raw.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ComponentFlagsError(`--port: ${JSON.stringify(raw.port)} is not a port`);
  const logLevel = raw.logLevel ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new ComponentFlagsError(`--log-level: ${JSON.stringify(logLevel)} is not debug, info, warn or error`);
  const identity = raw.identity ?? `${hostname()}_${randomUUID()}`;
  const timing = {
    leaseDurationMs: duration('leader-elect-lease-duration', raw.leaderElectLeaseDuration, DEFAULT_LEASE_DURATION_MS),
    renewDeadlineMs: duration('leader-elect-renew-deadline', raw.leaderElectRenewDeadline, DEFAULT_RENEW_DEADLINE_MS),
    retryPeriodMs: duration('leader-elect-retry-period', raw.leaderElectRetryPeriod, DEFAULT_RETRY_PERIOD_MS),
  };
  try {
    leaderElectionConfig({ identity, ...timing });
  } catch (err) {
    throw new ComponentFlagsError((err as Error).message);
  }
  return {
    ...(raw.kubeconfig === undefined ? {} : { kubeconfig: raw.kubeconfig }),
    ...(raw.master === undefined ? {} : { master: raw.master }),
    leaderElect,
    ...timing,
    leaseName: raw.leaderElectResourceName ?? d.leaseName,
    leaseNamespace: raw.leaderElectResourceNamespace ?? 'kube-system',
    identity,
    bindAddress: raw.bindAddress ?? '127.0.0.1',
    port,
    logLevel: logLevel as ComponentFlags['logLevel'],
  };
}
