/**
 * The HTTP(S) health check of one backend: a GET of the health path, as haproxy's `option httpchk` with
 * `check-ssl verify none` does it. TLS certificates are not verified (the check asks "does this replica
 * answer and say it is ready", not "is it who it claims"; clients verify end to end through the TCP
 * passthrough). Every check opens a fresh connection, so a dead replica cannot hide behind a kept-alive one.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Clock } from '../util/clock.js';
import type { CheckFailureReason } from './backend-health.js';
import { formatHostPort, type HealthScheme, type HostPort } from './config.js';

/** ProbeResult is the outcome of one health check. */
export type ProbeResult =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly reason: CheckFailureReason; readonly detail: string };

/** HealthProbe checks one backend once; it never rejects. */
export type HealthProbe = (backend: HostPort) => Promise<ProbeResult>;

/** HttpProbeOptions configures createHttpProbe. */
export interface HttpProbeOptions {
  readonly scheme: HealthScheme;
  readonly path: string;
  /** timeoutMs bounds the check from connect to the response headers. */
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/**
 * createHttpProbe returns a HealthProbe that GETs path on the backend and passes on a 2xx or 3xx status
 * (haproxy's default httpchk rule). ECONNREFUSED is reported as `refused`, which takes a backend down at once.
 */
export function createHttpProbe(opts: HttpProbeOptions): HealthProbe {
  return (backend) =>
    new Promise<ProbeResult>((resolve) => {
      let settled = false;
      const finish = (r: ProbeResult): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(r);
      };
      const common = {
        host: backend.host,
        port: backend.port,
        path: opts.path,
        method: 'GET',
        agent: false as const,
        headers: { host: formatHostPort(backend), 'user-agent': 'capstan-lb-health-check', accept: '*/*', connection: 'close' },
      };
      const onResponse = (res: IncomingMessage): void => {
        const status = res.statusCode ?? 0;
        res.resume();
        res.on('error', () => undefined);
        if (status >= 200 && status < 400) finish({ ok: true, detail: String(status) });
        else finish({ ok: false, reason: 'status', detail: `HTTP ${String(status)}` });
        req.destroy();
      };
      const req =
        opts.scheme === 'https'
          ? httpsRequest({ ...common, rejectUnauthorized: false }, onResponse)
          : httpRequest(common, onResponse);
      const timer = opts.clock.setTimeout(() => {
        finish({ ok: false, reason: 'timeout', detail: `no answer within ${String(opts.timeoutMs)}ms` });
        req.destroy();
      }, opts.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish({ ok: false, reason: err.code === 'ECONNREFUSED' ? 'refused' : 'error', detail: err.code ?? err.message });
      });
      req.end();
    });
}
