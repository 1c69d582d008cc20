import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';

const pkgVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { version: pkgVersion, stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

describe('capstan lb (CLI)', () => {
  it('is listed in --help, and its own help lists its flags', async () => {
    expect((await run('--help')).out).toMatch(/^\s+lb\s/m);
    const help = await run('lb', '--help');
    expect(help.code).toBe(0);
    for (const flag of ['--listen', '--backends', '--health-path', '--health-scheme', '--health-interval', '--health-timeout', '--rise', '--fall', '--balance', '--admin-listen', '--log-level']) {
      expect(help.out).toContain(flag);
    }
  });

  it('refuses a bad configuration with exit 2, starting nothing', async () => {
    expect(await run('lb')).toEqual({ code: 2, out: '', err: 'capstan lb: --backends is required: a comma-separated list of host:port\n' });
    const r = await run('lb', '--backends', '127.0.0.1:7001', '--health-interval', 'fast');
    expect(r.code).toBe(2);
    expect(r.err).toBe('capstan lb: --health-interval: "fast" is not a duration like 250ms, 1s or 1m\n');
  });

  it('exits 1 when its port is taken', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (squatter.address() as AddressInfo).port;
      const r = await run('lb', '--listen', `127.0.0.1:${String(port)}`, '--backends', '127.0.0.1:1', '--log-level', 'error');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^capstan lb: cannot listen on 127\\.0\\.0\\.1:${String(port)}: EADDRINUSE\\n$`));
    } finally {
      squatter.close();
    }
  });
});
