/**
 * The CLI's own failures. A usage error (an unknown command or option, a missing or malformed
 * value) ends the run with exit code 2; an operational one (a store that cannot be opened, a bad
 * rota file) with exit code 1, as an `OpdError` of the library does.
 */

/** A command line the CLI cannot run: exit code 2, with a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose help to point at, if one was named. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** An operational failure found by the CLI itself, with a stable code: exit code 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  /** `MISSING_PACKAGE`, `STORE_UNAVAILABLE`, `BAD_ROTA`, `INTERRUPTED`. */
  readonly code: 'MISSING_PACKAGE' | 'STORE_UNAVAILABLE' | 'BAD_ROTA' | 'INTERRUPTED';

  constructor(code: CliFailure['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
