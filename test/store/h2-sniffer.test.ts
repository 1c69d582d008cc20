import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../../src/util/clock.js';
import { sniffConnection, type SniffResult } from '../../src/store/h2-sniffer.js';
import { AuthorityFixingStream } from '../../src/store/h2-authority.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}
const SETTINGS = frame(4, 0, 0, Buffer.alloc(0));
const SETTINGS_ACK = frame(4, 1, 0, Buffer.alloc(0));
/** headers is a HEADERS frame (END_HEADERS) whose block is one literal :authority (static index 1) field. */
function headers(authority: string): Buffer {
  const v = Buffer.from(authority, 'latin1');
  return frame(1, 0x4, 1, Buffer.concat([Buffer.from([0x01, v.length]), v]));
}

const sockets: net.Socket[] = [];
const servers: net.Server[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

/**
 * sniff starts a server that sniffs its first connection (after reading the client preface, as the listener
 * does) and a raw client; script drives the client once it received the server preface.
 */
async function sniff(clock: Clock, timeoutMs: number, script: (client: net.Socket) => void): Promise<{ result: SniffResult; fromServer: Buffer[] }> {
  const fromServer: Buffer[] = [];
  let resolveResult!: (r: SniffResult) => void;
  const result = new Promise<SniffResult>((r) => (resolveResult = r));
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.once('data', (head: Buffer) => void sniffConnection(socket, head, clock, timeoutMs).then(resolveResult));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  sockets.push(client);
  client.on('data', (b: Buffer) => {
    fromServer.push(b);
    if (fromServer.length === 1) script(client);
  });
  client.write(Buffer.concat([PREFACE, SETTINGS]));
  return { result: await result, fromServer };
}

describe('sniffConnection', () => {
  it('sends the server preface and hands a connection whose first request has a plain authority to the native socket', async () => {
    const { result, fromServer } = await sniff(systemClock, 5000, (c) => c.write(Buffer.concat([SETTINGS_ACK, headers('127.0.0.1:2379')])));
    expect(Buffer.concat(fromServer)).toEqual(SETTINGS);
    expect(result.native).toBe(true);
    // Everything the client sent but the acknowledgement of the sniffer's settings goes back to the HTTP/2 server.
    expect(result.bytes).toEqual(Buffer.concat([PREFACE, SETTINGS, headers('127.0.0.1:2379')]));
  });

  it('waits for the acknowledgement when the request comes first', async () => {
    const { result } = await sniff(systemClock, 5000, (c) => c.write(Buffer.concat([headers('127.0.0.1:2379'), SETTINGS_ACK])));
    expect(result).toEqual({ native: true, bytes: Buffer.concat([PREFACE, SETTINGS, headers('127.0.0.1:2379')]) });
  });

  it('sends a connection whose first request carries a URL authority through the fixer', async () => {
    const { result } = await sniff(systemClock, 5000, (c) => c.write(Buffer.concat([SETTINGS_ACK, headers('http://127.0.0.1:2379')])));
    expect(result).toEqual({ native: false, dropSettingsAck: false, bytes: Buffer.concat([PREFACE, SETTINGS, headers('http://127.0.0.1:2379')]) });
  });

  it('gives a connection that sends no request in time the fixer, which then drops the acknowledgement', async () => {
    const clock = new ManualClock();
    const { result } = await sniff(clock, 100, () => clock.advance(100));
    expect(result).toEqual({ native: false, dropSettingsAck: true, bytes: Buffer.concat([PREFACE, SETTINGS]) });
  });
});

describe('AuthorityFixingStream after a sniff', () => {
  it('drops the first SETTINGS acknowledgement when told to, and passes the rest', async () => {
    const got: Buffer[] = [];
    let fixer: AuthorityFixingStream | undefined;
    const server = net.createServer((socket) => {
      sockets.push(socket);
      fixer = new AuthorityFixingStream(socket, { dropSettingsAck: true });
      fixer.on('data', (b: Buffer) => got.push(b));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    sockets.push(client);
    const sent = Buffer.concat([PREFACE, SETTINGS, SETTINGS_ACK, headers('127.0.0.1:1'), SETTINGS_ACK]);
    client.write(sent);
    const want = Buffer.concat([PREFACE, SETTINGS, headers('127.0.0.1:1'), SETTINGS_ACK]);
    const deadline = Date.now() + 5000;
    while (Buffer.concat(got).length < want.length && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got)).toEqual(want);
    fixer?.destroy();
  });
});
