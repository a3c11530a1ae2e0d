/** A progress bar on a terminal, for long runs. Nothing at all when the output is piped or under CI. */
export interface Progress {
  /** Shows how far a run is. */
  update(label: string, done: number, total: number): void;
  /** Clears the bar. */
  done(): void;
}

/** Requests below which a run is too short for a bar. */
const LONG_RUN = 2_000;

/**
 * A bar drawn on `stream` (standard error, so that standard output stays exactly the report of
 * the day), or `null` when `stream` is not a terminal or `CI` is set.
 */
export function terminalProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, total: number): Progress | null {
  if (stream.isTTY !== true || (env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false') || total < LONG_RUN) return null;
  let last = '';
  return {
    update(label, done, of) {
      const width = 30;
      const filled = of === 0 ? width : Math.round((done / of) * width);
      const line = `${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.floor((done / Math.max(1, of)) * 100)}% · ${done}/${of} patients`;
      if (line !== last) stream.write(`\r${line}\u001b[K`);
      last = line;
    },
    done() {
      if (last !== '') stream.write('\r\u001b[K');
      last = '';
    },
  };
}
