import { readFileSync } from 'node:fs';

/**
 * readPackageVersion returns the `version` field of the package.json at url. It throws when the file
 * is missing or has no string version, so a broken install fails loudly instead of printing a guess.
 */
export function readPackageVersion(url: URL): string {
  const pkg: unknown = JSON.parse(readFileSync(url, 'utf8'));
  if (typeof pkg !== 'object' || pkg === null || !('version' in pkg) || typeof pkg.version !== 'string') {
    throw new Error(`readPackageVersion: ${url.pathname} has no string "version" field`);
  }
  return pkg.version;
}
