import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../../../src/store/backend.js';
import { systemClock } from '../../../src/util/clock.js';
import { KvStore } from '../../../src/store/mvcc/kv-store.js';
import type { KeyValue, KeyValueCodec } from '../../../src/store/mvcc/types.js';
import { silentLogger } from '../../../src/util/logger.js';

/** jsonCodec stores KeyValues as JSON: enough for MVCC tests, independent of the protobuf layer. */
export const jsonCodec: KeyValueCodec = {
  encode: (kv: KeyValue) =>
    Buffer.from(
      JSON.stringify({ ...kv, key: kv.key.toString('base64'), value: kv.value.toString('base64'), lease: kv.lease.toString() }),
    ),
  decode: (b: Uint8Array) => {
    const o = JSON.parse(Buffer.from(b).toString()) as Record<string, string | number>;
    return {
      key: Buffer.from(o.key as string, 'base64'),
      value: Buffer.from(o.value as string, 'base64'),
      createRevision: o.createRevision as number,
      modRevision: o.modRevision as number,
      version: o.version as number,
      lease: BigInt(o.lease as string),
    };
  },
};

/** TempStore is a KvStore in a temporary directory that reopen() restarts from disk. */
export class TempStore {
  readonly dir = mkdtempSync(join(tmpdir(), 'capstan-mvcc-'));
  backend!: Backend;
  kv!: KvStore;

  async open(): Promise<KvStore> {
    this.backend = await Backend.open(this.dir, systemClock);
    this.kv = await KvStore.open(this.backend, jsonCodec, silentLogger(), systemClock);
    return this.kv;
  }

  async reopen(): Promise<KvStore> {
    await this.kv.flush();
    await this.kv.compaction();
    await this.backend.close();
    return this.open();
  }

  async close(): Promise<void> {
    await this.kv.compaction();
    await this.backend.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const b = (s: string): Buffer => Buffer.from(s);
