import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../store/grpc/proto.js';
import type { StatusResponse } from '../../store/grpc/types.js';

/** memberStatus calls Maintenance.Status on one member's client URL, with a deadline. */
export function memberStatus(clientURL: string, timeoutMs = 2000): Promise<StatusResponse> {
  const u = new URL(clientURL);
  const Client = loadProtos().clients.Maintenance;
  const client = new Client(`${u.hostname}:${u.port}`, grpc.credentials.createInsecure());
  return new Promise<StatusResponse>((resolve, reject) => {
    const call = client as unknown as {
      Status(req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, resp: StatusResponse) => void): void;
    };
    call.Status({}, { deadline: Date.now() + timeoutMs }, (err, resp) => {
      client.close();
      if (err !== null) reject(err);
      else resolve(resp);
    });
  });
}
