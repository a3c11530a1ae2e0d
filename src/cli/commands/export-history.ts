import { integerOption, type CommandSpec, type ParsedLine } from '../args.js';
import { CliFailure } from '../errors.js';
import { writeLine, type CliIo } from '../io.js';
import { withScheduler } from '../store.js';

/** `export-history`: the stored events as JSON lines. */
export const exportHistorySpec: CommandSpec = {
  name: 'export-history',
  summary: 'write the stored events as JSON lines',
  usage: 'export-history [--after <seq>] <store>',
  help: `Writes every stored event (bookings, bumps, cascades, promotions, cancellations, …) to stdout,
one JSON object a line, in seq order, reading the history a page at a time. Events carry ids,
never patient data.

  --after <seq>          only the events after this seq: pass the last seq of an earlier export
                         to resume it`,
  options: { after: { type: 'string' } },
  positionals: [],
};

/** Events read per page. */
const PAGE = 1000;

/** Runs `export-history`, a page of events at a time, stopping between pages on the stop signal. */
export async function runExportHistory(line: ParsedLine, io: CliIo): Promise<number> {
  let after = integerOption(line, 'after') ?? 0;
  return withScheduler(line, io, {}, async (opd) => {
    for (;;) {
      if (io.signal?.aborted === true) {
        throw new CliFailure('INTERRUPTED', `Interrupted: events up to seq ${after} were written; resume with --after ${after}`);
      }
      const page = await opd.history({ after, limit: PAGE });
      if (page.length === 0) return 0;
      for (const event of page) await writeLine(io.stdout, event);
      after = page.at(-1)!.seq;
    }
  });
}
