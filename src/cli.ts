#!/usr/bin/env node
/**
 * The `capstan` command. This file only wires the process to runCli: it reads the version from
 * package.json (one directory up from both src/ under tsx and dist/ when built), hands over argv and
 * the standard streams, and exits with the code the command chose.
 */
import { readPackageVersion } from './cli/version.js';
import { runCli } from './cli/program.js';

const version = readPackageVersion(new URL('../package.json', import.meta.url));

process.exitCode = await runCli(process.argv.slice(2), {
  version,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
