import type { Socket } from 'node:net';
import type { Clock } from '../util/clock.js';
import { rewriteHeaderBlock } from './h2-authority.js';

const PREFACE_LEN = 24;
const FRAME_HEADERS = 0x1;
const FRAME_SETTINGS = 0x4;
const FRAME_CONTINUATION = 0x9;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** SERVER_PREFACE is an empty SETTINGS frame: the server's connection preface, sent before the client's first request. */
const SERVER_PREFACE = Buffer.from([0, 0, 0, FRAME_SETTINGS, 0, 0, 0, 0, 0]);
/** MAX_SNIFF_BYTES bounds what is held back while deciding; past it the connection takes the fixing path. */
const MAX_SNIFF_BYTES = 1 << 20;

/**
 * SniffResult says how to serve a gRPC connection. bytes are what the client sent so far, minus the
 * acknowledgement of the sniffer's own SETTINGS (the HTTP/2 server never sent those settings, and would take
 * the acknowledgement for a protocol error): they go back into the socket before it is handed over.
 */
export type SniffResult = { native: true; bytes: Buffer } | { native: false; bytes: Buffer; dropSettingsAck: boolean };

/**
 * sniffConnection decides whether a client's gRPC connection needs the :authority fixer (h2-authority.ts),
 * whose JavaScript stream costs every request of the connection CPU, or can go to the HTTP/2 server as the
 * native socket. A gRPC client sends its first request only after the server's connection preface, so the
 * sniffer sends one (an empty SETTINGS frame), reads up to the client's first header block and the client's
 * acknowledgement of those settings, and judges the :authority there: clients use one authority for every
 * request on a connection (grpc-go and grpc-js both do). A connection whose first request needs fixing, or
 * that sends no request within timeoutMs, or that sends more than MAX_SNIFF_BYTES first, takes the fixer.
 *
 * head is what the listener read so far (at least the client preface); the sniffer reads the rest itself and
 * stops reading before it resolves.
 */
export function sniffConnection(socket: Socket, head: Buffer, clock: Clock, timeoutMs: number): Promise<SniffResult> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [head.subarray(0, PREFACE_LEN)];
    let pending = head.subarray(PREFACE_LEN);
    let held = head.length;
    let ackSeen = false;
    let needsFix: boolean | undefined;
    let fragments: Buffer[] | undefined;
    let done = false;

    const finish = (r: SniffResult | Error): void => {
      if (done) return;
      done = true;
      timer.cancel();
      socket.off('data', onData);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const bytes = (): Buffer => Buffer.concat([...kept, pending]);
    const toFixer = (): void => finish({ native: false, bytes: bytes(), dropSettingsAck: !ackSeen });

    const onData = (chunk: Buffer): void => {
      held += chunk.length;
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 9) {
        const len = pending.readUIntBE(0, 3);
        if (pending.length < 9 + len) break;
        const type = pending[3]!;
        const flags = pending[4]!;
        const frame = pending.subarray(0, 9 + len);
        pending = pending.subarray(9 + len);
        if (type === FRAME_SETTINGS && (flags & FLAG_ACK) !== 0 && !ackSeen) {
          ackSeen = true; // ours: dropped
          continue;
        }
        kept.push(frame);
        if (needsFix !== undefined || (type !== FRAME_HEADERS && type !== FRAME_CONTINUATION)) continue;
        let payload = frame.subarray(9);
        if (type === FRAME_HEADERS) {
          const pad = flags & FLAG_PADDED ? payload[0]! : 0;
          if (flags & FLAG_PADDED) payload = payload.subarray(1);
          if (flags & FLAG_PRIORITY) payload = payload.subarray(5);
          fragments = [payload.subarray(0, Math.max(0, payload.length - pad))];
        } else {
          fragments?.push(payload);
        }
        if ((flags & FLAG_END_HEADERS) === 0 || fragments === undefined) continue;
        try {
          needsFix = rewriteHeaderBlock(Buffer.concat(fragments)) !== undefined;
        } catch {
          needsFix = true; // not ours to judge: the fixer passes it on and the HTTP/2 server decides
        }
      }
      if (needsFix === true || held > MAX_SNIFF_BYTES) toFixer();
      else if (needsFix === false && ackSeen) finish({ native: true, bytes: bytes() });
    };
    const onEnd = (): void => finish(new Error('connection closed before its first request'));
    const timer = clock.setTimeout(toFixer, timeoutMs);
    socket.on('data', onData);
    socket.on('error', onEnd);
    socket.on('close', onEnd);
    socket.write(SERVER_PREFACE);
    onData(Buffer.alloc(0));
  });
}
