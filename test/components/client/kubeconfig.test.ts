import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigError } from '../../../src/components/client/errors.js';
import { loadKubeconfig, parseKubeconfig } from '../../../src/components/client/kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'capstan-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function doc(cluster: Record<string, unknown>, user: Record<string, unknown> = { token: 't0k3n' }, extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'c', cluster },
      { name: 'other', cluster: { server: 'http://127.0.0.1:8080' } },
    ],
    users: [{ name: 'u', user }],
    contexts: [
      { name: 'main', context: { cluster: 'c', user: 'u', namespace: 'team' } },
      { name: 'plain', context: { cluster: 'other' } },
    ],
    'current-context': 'main',
    ...extra,
  });
}

describe('kubeconfig', () => {
  it('reads server, certificate-authority-data, token and namespace of the current context', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const cfg = parseKubeconfig(doc({ server: 'https://127.0.0.1:6443/', 'certificate-authority-data': Buffer.from(ca).toString('base64') }));
    expect(cfg).toEqual({ server: 'https://127.0.0.1:6443', caData: ca, token: 't0k3n', namespace: 'team' });
  });

  it('supports insecure-skip-tls-verify, a plain http server without a user, and an explicit context', () => {
    expect(parseKubeconfig(doc({ server: 'https://lb:6443', 'insecure-skip-tls-verify': true }))).toMatchObject({ insecureSkipTLSVerify: true, token: 't0k3n' });
    expect(parseKubeconfig(doc({ server: 'https://lb:6443' }), { context: 'plain' })).toEqual({ server: 'http://127.0.0.1:8080', namespace: 'default' });
  });

  it('resolves certificate-authority and tokenFile relative to the kubeconfig file', () => {
    writeFileSync(join(dir, 'ca.crt'), 'PEM');
    writeFileSync(join(dir, 'token'), 'from-file\n');
    const path = join(dir, 'config');
    writeFileSync(path, doc({ server: 'https://x:1', 'certificate-authority': 'ca.crt' }, { tokenFile: 'token' }));
    expect(loadKubeconfig(path)).toMatchObject({ caData: 'PEM', token: 'from-file' });
  });

  it('refuses what it cannot honour, naming the problem', () => {
    const cases: [string, string][] = [
      [doc({ server: 'https://x:1' }, undefined, { 'current-context': '' }), 'no current-context'],
      [doc({ server: 'https://x:1' }, undefined, { 'current-context': 'nope' }), 'context "nope" is not in the kubeconfig'],
      [doc({}), 'cluster "c" has no server'],
      [doc({ server: 'ftp://x' }), 'neither http nor https'],
      [doc({ server: 'https://x:1', 'certificate-authority-data': 'QQ==', 'insecure-skip-tls-verify': true }), 'insecure flag is not allowed'],
      [doc({ server: 'https://x:1' }, { 'client-certificate-data': 'QQ==' }), 'client-certificate-data is not supported'],
      ['a: [', 'not valid YAML'],
    ];
    for (const [text, message] of cases) expect(() => parseKubeconfig(text), message).toThrow(message);
    expect(() => loadKubeconfig(join(dir, 'missing'))).toThrow(KubeconfigError);
  });
});
