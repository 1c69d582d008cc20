/**
 * The local cluster's PKI and credentials, as kubeadm lays them out for a new control plane: a CA, a serving
 * certificate for the API servers signed by it (valid for loopback and the `kubernetes` service names), a
 * static bearer token for the admin user, and a kubeconfig that trusts the CA and carries the token.
 * Keys are ECDSA P-256 generated with WebCrypto; certificates are built with @peculiar/x509.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { stringify as toYaml } from 'yaml';
import { DEFAULT_KUBERNETES_SERVICE_IP } from '../../apiserver/resources/service-allocation.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Pki is where the generated files are. */
export interface Pki {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly tokenFile: string;
  /** adminToken is the bearer token of the admin user. */
  readonly adminToken: string;
}

function pem(der: ArrayBuffer, tag: string): string {
  return `${x509.PemConverter.encode(der, tag)}\n`;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return pem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/**
 * generatePki writes DIR/pki/{ca.crt,ca.key,apiserver.crt,apiserver.key,tokens.csv} (keys and tokens 0600)
 * for a cluster whose API servers answer on loopback. Certificates are valid for a year.
 */
export async function generatePki(dir: string, adminToken: string): Promise<Pki> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const pkiDir = join(dir, 'pki');
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 365 * DAY_MS);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=capstan-ca',
    keys: caKeys,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const names: x509.JsonGeneralName[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'dns', value: 'kubernetes' },
    { type: 'dns', value: 'kubernetes.default' },
    { type: 'dns', value: 'kubernetes.default.svc' },
    { type: 'dns', value: 'kubernetes.default.svc.cluster.local' },
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
    // The `kubernetes` Service's cluster IP, as kubeadm's serving certificate has it.
    { type: 'ip', value: DEFAULT_KUBERNETES_SERVICE_IP },
  ];
  const server = await x509.X509CertificateGenerator.create({
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: serverKeys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const files: Pki = {
    caCert: join(pkiDir, 'ca.crt'),
    serverCert: join(pkiDir, 'apiserver.crt'),
    serverKey: join(pkiDir, 'apiserver.key'),
    tokenFile: join(pkiDir, 'tokens.csv'),
    adminToken,
  };
  writeFileSync(files.caCert, ca.toString('pem') + '\n');
  writeFileSync(join(pkiDir, 'ca.key'), await privateKeyPem(caKeys.privateKey), { mode: 0o600 });
  // The chain: the serving certificate, then the CA, so clients that trust the CA can verify it.
  writeFileSync(files.serverCert, `${server.toString('pem')}\n${ca.toString('pem')}\n`);
  writeFileSync(files.serverKey, await privateKeyPem(serverKeys.privateKey), { mode: 0o600 });
  writeFileSync(files.tokenFile, `${adminToken},admin,admin,"system:masters"\n`, { mode: 0o600 });
  return files;
}

/** writeKubeconfig writes a kubeconfig for server (https) that trusts caCert and authenticates with token. */
export function writeKubeconfig(path: string, server: string, caCertPem: string, token: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'capstan', cluster: { server, 'certificate-authority-data': Buffer.from(caCertPem).toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'capstan', context: { cluster: 'capstan', user: 'admin', namespace: 'default' } }],
    'current-context': 'capstan',
    preferences: {},
  };
  writeFileSync(path, toYaml(config), { mode: 0o600 });
}
