/**
 * The program `opd-scheduler` (the package's `bin`): runs {@link main} with the process's streams,
 * environment and signals. SIGTERM or SIGINT asks the command to stop (`sweep --every` finishes
 * the sweep in progress, closes the store and exits 0); a second one ends the process at once.
 */
import { createReadStream } from 'node:fs';
import { main, type CliOutput } from './main.js';

/**
 * A process stream as the commands write to it. When its reader goes away (`| head`: EPIPE), the
 * run is asked to stop and later writes are dropped, rather than the error ending the process
 * with the store open, or a command waiting forever for a `drain` that never comes.
 */
function guarded(stream: NodeJS.WriteStream, stop: AbortController): CliOutput {
  let broken = false;
  const waiting = new Set<() => void>();
  stream.on('error', () => {
    broken = true;
    stop.abort();
    for (const resume of waiting) resume();
    waiting.clear();
  });
  return {
    write: (text) => broken || stream.write(text),
    once(_event, listener) {
      if (broken) return listener();
      const resume = (): void => {
        waiting.delete(resume);
        stream.off('drain', resume);
        listener();
      };
      waiting.add(resume);
      stream.once('drain', resume);
    },
  };
}

/** Runs the command line of this process, and sets its exit code. */
function run(): void {
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
  main(process.argv.slice(2), {
    stdout: guarded(process.stdout, stop),
    stderr: guarded(process.stderr, stop),
    env: process.env,
    signal: stop.signal,
    // Read in chunks: import-rota stops reading at its bound.
    readFile: (path) => createReadStream(path, { highWaterMark: 64 * 1024 }),
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
