/**
 * A minimal REST client for the API server suites: JSON in, status and JSON out, never throwing on an
 * HTTP error (the tests assert on Status bodies); and a watch reader that queues the JSON lines of a
 * chunked watch stream for a test to await one by one.
 */
import type { KubeObject, WatchEvent } from '../../../src/api/index.js';
import { AsyncQueue } from '../../compat/helpers/wait.js';

/** Reply is an HTTP answer with its parsed JSON body (or text when it is not JSON). */
export interface Reply<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** rest sends one request to base+path. */
export async function rest<T = unknown>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const init: RequestInit = { method, headers: { accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** WatchStream is an open watch: events queue up as they arrive; close() aborts the request. */
export interface WatchStream {
  readonly status: number;
  readonly events: AsyncQueue<WatchEvent<KubeObject>>;
  /** ended resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** openWatch starts a watch request and resolves once the response headers arrived. */
export async function openWatch(base: string, path: string): Promise<WatchStream> {
  const abort = new AbortController();
  const res = await fetch(`${base}${path}`, { signal: abort.signal, headers: { accept: 'application/json' } });
  const events = new AsyncQueue<WatchEvent<KubeObject>>((items) => items.map((e) => `${e.type} ${(e.object as KubeObject).metadata?.name ?? ''}`).join('\n'));
  const ended = (async () => {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line !== '') events.push(JSON.parse(line) as WatchEvent<KubeObject>);
        }
      }
      events.end(new Error('the watch stream ended'));
    } catch (err) {
      events.end(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  return { status: res.status, events, ended, close: () => abort.abort() };
}
