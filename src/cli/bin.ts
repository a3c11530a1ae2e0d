/**
 * The program `opd-scheduler` (the package's `bin`): runs {@link main} with the process's streams,
 * environment and signals. SIGTERM or SIGINT asks the command to stop (`sweep --every` finishes
 * the sweep in progress, closes the store and exits 0); a second one ends the process at once.
 */
import { readFile } from 'node:fs/promises';
import { main } from './main.js';

/** Runs the command line of this process, and sets its exit code. */
function run(): void {
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: stop.signal,
    readFile: (path) => readFile(path, 'utf8'),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`opd-scheduler: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

run();
