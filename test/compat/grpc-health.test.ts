/**
 * The standard gRPC health service on the client port, as etcd 3.4 registers it (grpc_health_probe and
 * Kubernetes' gRPC probes use it): the empty service name — all of the member's services — is SERVING; any other
 * name is unknown, to Check (NOT_FOUND "unknown service") and to Watch (SERVICE_UNKNOWN, the stream left open).
 * Requests and responses are raw protobuf bytes, so the test holds the wire itself.
 */
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, expect, it } from 'vitest';
import { EtcdGrpc, isServiceError } from './helpers/grpc.js';
import { useStore } from './helpers/store.js';
import { describeCompat } from './helpers/tools.js';
import { AsyncQueue } from './helpers/wait.js';

const identity = (b: Buffer): Buffer => b;
/** HealthCheckRequest{service}: field 1, length-delimited; the empty name is no bytes at all. */
const request = (service: string): Buffer => (service === '' ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, service.length]), Buffer.from(service)]));
/** HealthCheckResponse{status}: SERVING (1) and SERVICE_UNKNOWN (3) as field 1 varints. */
const SERVING = Buffer.from([0x08, 1]);
const SERVICE_UNKNOWN = Buffer.from([0x08, 3]);

describeCompat('the gRPC health service', ['store'], () => {
  const store = useStore({ name: 'grpc-health' });
  let rpc: EtcdGrpc | undefined;
  let client: Client | undefined;
  afterAll(() => {
    rpc?.close();
    client?.close();
  });

  it('Check: the empty service name is SERVING; another name is NOT_FOUND "unknown service"', async () => {
    rpc ??= new EtcdGrpc(store().address);
    expect((await rpc.raw('/grpc.health.v1.Health/Check', request(''))).toString('hex')).toBe(SERVING.toString('hex'));
    const refused = await rpc.raw('/grpc.health.v1.Health/Check', request('etcdserverpb.KV')).catch((err: unknown) => err);
    expect(isServiceError(refused) ? [refused.code, refused.details] : refused).toEqual([5, 'unknown service']);
  });

  it('Watch: SERVING for the empty name, SERVICE_UNKNOWN for another, each stream left open', async () => {
    client ??= new Client(store().address, credentials.createInsecure());
    for (const [service, expected] of [
      ['', SERVING],
      ['nope', SERVICE_UNKNOWN],
    ] as const) {
      const c = client;
      const responses = new AsyncQueue<Buffer>((items) => `unread: ${items.length}`);
      let ended = false;
      const call = c.makeServerStreamRequest('/grpc.health.v1.Health/Watch', identity, identity, request(service), new Metadata());
      call.on('data', (b: Buffer) => responses.push(b));
      call.on('error', (err: ServiceError) => {
        ended = true;
        responses.end(err);
      });
      call.on('status', () => (ended = true));
      expect((await responses.shift(5000, `the status of "${service}"`)).toString('hex')).toBe(expected.toString('hex'));
      // Still open: a Check on the same connection, answered after the watch's first message, finds no end of it
      // ahead of its own answer (HTTP/2 keeps the order of the server's frames on one connection).
      const checked = await new Promise<Buffer>((resolve, reject) =>
        c.makeUnaryRequest('/grpc.health.v1.Health/Check', identity, identity, request(''), new Metadata(), (err, b) => (err ? reject(err) : resolve(b!))),
      );
      expect(checked.toString('hex')).toBe(SERVING.toString('hex'));
      expect([ended, responses.size]).toEqual([false, 0]);
      call.cancel();
    }
  });
});
