/**
 * freePort hands out listener ports below the kernel's ephemeral range, so that no outgoing connection takes
 * one between the check and the listener's bind (or while a killed member is restarted on it), never the same
 * port twice in one process, and none that another live process has handed out.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, freePorts, PORT_RESERVATIONS, reservePort, stopPid } from '../../src/cli/launcher/processes.js';
import { withDeadline } from '../compat/helpers/wait.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

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

  it('records each port it hands out under PORT_RESERVATIONS with this process ID', async () => {
    const ports = await freePorts(5);
    for (const p of ports) expect(readFileSync(join(PORT_RESERVATIONS, String(p)), 'utf8')).toBe(String(process.pid));
  });
});

describe('reservePort', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('refuses a port another live process reserved, and takes it over once that process is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-ports-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = 20_000;
    const script = [
      "import { reservePort } from './src/cli/launcher/processes.ts';",
      `console.log(reservePort(${port}, ${JSON.stringify(dir)}) ? 'reserved' : 'refused');`,
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = child.pid!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(() => stopPid(pid, 0));
    const first = await withDeadline(
      new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))),
      20_000,
      'the other process to reserve the port',
    );
    expect(first).toBe('reserved');
    expect(readFileSync(join(dir, String(port)), 'utf8')).toBe(String(pid));

    expect(reservePort(port, dir)).toBe(false);
    expect(reservePort(port + 1, dir)).toBe(true);

    // Killed with SIGKILL, it leaves its reservation behind: a dead process's reservation is taken over.
    process.kill(pid, 'SIGKILL');
    await withDeadline(exited, 20_000, 'the other process to exit');
    expect(reservePort(port, dir)).toBe(true);
    expect(readFileSync(join(dir, String(port)), 'utf8')).toBe(String(process.pid));
    expect(reservePort(port, dir), "this process's own reservation").toBe(true);
  });
});
