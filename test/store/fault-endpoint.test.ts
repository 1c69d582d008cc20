import { afterAll, describe, expect, it } from 'vitest';
import { startSingleMember, type SingleMember } from './helpers/single-member.js';

const running: SingleMember[] = [];

/** start runs a single-member store in this process and returns its client URL. */
async function start(faultInjection: boolean): Promise<string> {
  const m = await startSingleMember(faultInjection ? { 'experimental-enable-fault-injection': 'true' } : {});
  running.push(m);
  return m.clientUrl;
}

afterAll(async () => {
  for (const r of running) await r.stop();
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
