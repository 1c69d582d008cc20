/**
 * freePort hands out listener ports below the kernel's ephemeral range, so that no outgoing connection takes
 * one between the check and the listener's bind (or while a killed member is restarted on it), and never
 * the same port twice in one process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, freePorts } from '../../src/cli/launcher/processes.js';

const ephemeralLow = ((): number | undefined => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return undefined;
  }
})();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

describe('freePort', () => {
  it.runIf(ephemeralLow !== undefined && ephemeralLow > 11_000)('picks distinct ports from 10000 up to the ephemeral range, each free to bind', async () => {
    const ports = [...(await freePorts(100)), await freePort()];
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(10_000);
      expect(p).toBeLessThan(ephemeralLow!);
      expect(await bindable(p)).toBe(true);
    }
  });
});
