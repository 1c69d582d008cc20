import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { listFiles } from '../../src/deploy/write-rendered.js';
import { exampleDir } from '../deploy/examples.js';

const scratch = mkdtempSync(join(tmpdir(), 'capstan-cli-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function capstan(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { version: '0.0.0', stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('capstan deploy render', () => {
  it('renders a topology into --out, the same files as the committed example', async () => {
    const out = join(scratch, 'three');
    const r = await capstan('deploy', 'render', join(exampleDir(3), 'topology.yaml'), '--out', out);
    expect(r.code).toBe(0);
    const files = listFiles(out);
    expect(r.stdout).toContain(`wrote ${String(files.length)} files to ${out}`);
    expect(files).toEqual(listFiles(exampleDir(3)).filter((f) => f !== 'topology.yaml'));
    for (const f of files) expect(readFileSync(join(out, f), 'utf8')).toBe(readFileSync(join(exampleDir(3), f), 'utf8'));
  });

  it('reports files of hosts that left the topology, without deleting them', async () => {
    const out = join(scratch, 'stale');
    await capstan('deploy', 'render', join(exampleDir(3), 'topology.yaml'), '--out', out);
    const topology = readFileSync(join(exampleDir(3), 'topology.yaml'), 'utf8').replace(/^.*worker-2.*\n/m, '');
    writeFileSync(join(scratch, 'smaller.yaml'), topology);
    const r = await capstan('deploy', 'render', join(scratch, 'smaller.yaml'), '--out', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${out}/hosts/worker-2/etc/systemd/system/capstan-node.service is not part of the rendering any more`);
    expect(listFiles(out)).toContain('hosts/worker-2/etc/capstan/node.kubeconfig');
  });

  it('exits 2 naming the file and the problem for an invalid topology', async () => {
    const bad = join(scratch, 'even.yaml');
    writeFileSync(bad, readFileSync(join(exampleDir(3), 'topology.yaml'), 'utf8').replace('roles: [node], nodes: 20 }', 'roles: [node, store] }'));
    const r = await capstan('deploy', 'render', bad, '--out', join(scratch, 'never'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`capstan deploy: ${bad}: hosts: 4 store members; use an odd count`);
  });
});
