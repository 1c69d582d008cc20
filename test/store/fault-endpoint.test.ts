import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveStoreConfig } from '../../src/store/config.js';
import { runStore, type RunningStore } from '../../src/store/main.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { SeededRandom } from '../../src/util/random.js';
import { freePorts } from '../compat/helpers/ports.js';

const dirs: string[] = [];
const running: RunningStore[] = [];

/** start runs a single-member store in this process and returns its client URL. */
async function start(faultInjection: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-faults-'));
  dirs.push(dir);
  const [client, peer] = await freePorts(2);
  const peerUrl = `http://127.0.0.1:${String(peer)}`;
  const clientUrl = `http://127.0.0.1:${String(client)}`;
  const cfg = resolveStoreConfig({
    name: 'm1',
    'data-dir': join(dir, 'data'),
    'listen-client-urls': clientUrl,
    'listen-peer-urls': peerUrl,
    'initial-advertise-peer-urls': peerUrl,
    'initial-cluster': `m1=${peerUrl}`,
    ...(faultInjection ? { 'experimental-enable-fault-injection': 'true' } : {}),
  });
  running.push(await runStore(cfg, { clock: systemClock, random: new SeededRandom(1), log: silentLogger() }));
  return clientUrl;
}

afterAll(async () => {
  for (const r of running) await r.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the fault-injection admin endpoint', () => {
  it('is not there unless the member runs with --experimental-enable-fault-injection', async () => {
    const url = await start(false);
    const r = await fetch(new URL('/debug/faults/partition', url), { method: 'POST', body: '{"dropTo":["1"]}' });
    expect(r.status).toBe(404);
  });

  it('sets, reports and heals a partition; refuses a malformed one', async () => {
    const url = new URL('/debug/faults/partition', await start(true));
    let r = await fetch(url, { method: 'POST', body: JSON.stringify({ dropTo: ['a1'], dropFrom: ['b2', 'c3'] }) });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ dropTo: ['a1'], dropFrom: ['b2', 'c3'], dropped: { outbound: 0, inbound: 0 } });
    expect(await (await fetch(url)).json()).toMatchObject({ dropTo: ['a1'] });
    r = await fetch(url, { method: 'POST', body: '{"dropTo":[42]}' });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: 'dropTo: 42 is not a member ID in hex' });
    r = await fetch(url, { method: 'DELETE' });
    expect(await r.json()).toMatchObject({ dropTo: [], dropFrom: [] });
    expect((await fetch(url, { method: 'PUT' })).status).toBe(405);
  });
});
