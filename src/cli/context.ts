/**
 * CliContext is what every subcommand receives: the program's version and where user-facing output
 * goes. Output is injected (not process.stdout) so tests can run commands in-process and read what
 * they printed.
 */
export interface CliContext {
  /** version is capstan's package version, as `capstan --version` prints it. */
  readonly version: string;
  /** stdout writes user-facing output (results). */
  readonly stdout: (s: string) => void;
  /** stderr writes user-facing diagnostics (errors, progress). */
  readonly stderr: (s: string) => void;
}
