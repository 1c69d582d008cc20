/**
 * The member's fault-injection admin endpoint, served on its client URLs' HTTP side (and its metrics URLs)
 * only when it runs with --experimental-enable-fault-injection — `capstan up` passes it to a local cluster;
 * a production member never exposes it:
 *
 *   GET    /debug/faults/partition   the partition in force and the messages dropped so far
 *   POST   /debug/faults/partition   {"dropTo": [ids], "dropFrom": [ids]} (hex member IDs) replaces it
 *   DELETE /debug/faults/partition   heals it
 *
 * Every answer is the PartitionStatus after the request, as JSON.
 */
import type * as http from 'node:http';
import type { Logger } from '../util/logger.js';
import { BadPartitionError, parsePartitionSpec, type PeerFaults } from './transport/peer-faults.js';

/** FAULT_PARTITION_PATH is the admin endpoint's path. */
export const FAULT_PARTITION_PATH = '/debug/faults/partition';

const MAX_BODY_BYTES = 64 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadPartitionError(`the body is larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** handlePartitionRequest serves FAULT_PARTITION_PATH (see the module comment). */
export async function handlePartitionRequest(faults: PeerFaults, log: Logger, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const json = (code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  switch (req.method) {
    case 'GET':
      json(200, faults.status());
      return;
    case 'POST': {
      let spec;
      try {
        spec = parsePartitionSpec(await readBody(req));
      } catch (err) {
        if (err instanceof BadPartitionError) {
          json(400, { error: err.message });
          return;
        }
        throw err;
      }
      faults.set(spec);
      const status = faults.status();
      log.warn({ dropTo: status.dropTo, dropFrom: status.dropFrom }, 'store: fault injection: peer partition set');
      json(200, status);
      return;
    }
    case 'DELETE':
      faults.heal();
      log.warn('store: fault injection: peer partition healed');
      json(200, faults.status());
      return;
    default:
      res.writeHead(405, { allow: 'GET, POST, DELETE', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
  }
}
