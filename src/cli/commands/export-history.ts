import { exportHistoryLines } from 'opd-scheduler/lab';
import { integerOption, type CommandSpec, type ParsedLine } from '../args.js';
import { CliFailure } from '../errors.js';
import { writeLine, type CliIo } from '../io.js';
import { withScheduler } from '../store.js';

/** `export-history`: the store's history as the lab reads it, in JSON lines. */
export const exportHistorySpec: CommandSpec = {
  name: 'export-history',
  summary: 'write the history (doctors, slots, events) as JSON lines for the lab',
  usage: 'export-history [--after <seq>] <store>',
  help: `Writes the store's history as the policy lab reads it (opd-scheduler/lab readHistory, replay,
npm run simulate -- --replay) to stdout, one JSON object a line: every doctor, the slots of the days
the events name, then every stored event (bookings, bumps, cascades, promotions, cancellations, …) in
seq order. The events are read a page at a time, twice (first for the days they name), so the
export runs in constant memory. Events carry ids, never patient data.

  --after <seq>          a history of the events after this seq, of its own: the doctors, the slots
                         of the days those events name, then those events (pass the last seq of an
                         earlier export for the history since; replay each file on its own)`,
  options: { after: { type: 'string' } },
  positionals: [],
};

/** Runs `export-history`, a line at a time (the events a page at a time), stopping on the stop signal. */
export async function runExportHistory(line: ParsedLine, io: CliIo): Promise<number> {
  const after = integerOption(line, 'after') ?? 0;
  return withScheduler(line, io, {}, async (opd) => {
    let written: number | null = null;
    for await (const out of exportHistoryLines(opd, { after })) {
      if (io.signal?.aborted === true) {
        throw new CliFailure(
          'INTERRUPTED',
          written === null
            ? 'Interrupted before any event was written: export it again'
            : `Interrupted: events up to seq ${written} were written, an incomplete history; export it again, or the events after it with --after ${written}`,
        );
      }
      await writeLine(io.stdout, out);
      if (out.type !== 'lab:doctor' && out.type !== 'lab:slot' && out.type !== 'lab:patient') written = out.seq;
    }
    return 0;
  });
}
