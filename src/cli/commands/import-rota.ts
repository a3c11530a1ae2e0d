import { isOpdError, type OpdScheduler, type Slot } from 'opd-scheduler';
import { flag, stringOption, type CommandSpec, type ParsedLine } from '../args.js';
import { CliFailure } from '../errors.js';
import { readBounded, write, type CliIo } from '../io.js';
import { clip, listed, MAX_QUOTED_CHARS, MAX_REPORTED_ROWS, MAX_ROTA_BYTES, parseRotaCsv, type RotaGroup } from '../rota-csv.js';
import { withScheduler } from '../store.js';

/** The bound of a rota file as the help and a refusal name it: `8 MiB (8388608 bytes)`. */
const BOUND = `${MAX_ROTA_BYTES / (1024 * 1024)} MiB (${MAX_ROTA_BYTES} bytes)`;

/** `import-rota`: the slots of weekly rotas from a CSV file. */
export const importRotaSpec: CommandSpec = {
  name: 'import-rota',
  summary: 'add the slots of a weekly rota from a CSV file (a dry run unless --apply)',
  usage: 'import-rota <file.csv> [--apply] [--actor <name>] <store>',
  help: `Reads weekly sessions from a CSV file and adds their slots (addRecurringSlots), local times in
--time-zone. Without --apply, a dry run: prints what would be added and writes nothing. Every
rota is checked first; a bad row is reported with its line number and nothing is written.
Running it again adds only the slots missing.

The file has a header and one weekly session a line:
  doctor_id,weekday,start,end,slot_minutes,capacity,overflow_capacity,from,to
  d-42,1,09:00,13:00,15,4,2,2026-02-02,2026-03-29
weekday: 1 (Monday) to 7 (Sunday), or Mon to Sun; overflow_capacity may be empty (default 2);
an optional column except lists dates to skip (separated by spaces or semicolons). Rows of one
doctor with the same from and to are one rota.

A file is at most ${BOUND}, about 100,000 rows: a larger one is refused
(BAD_ROTA) after reading no more than that; split it. A refusal names at most ${MAX_REPORTED_ROWS} bad rows and
quotes at most ${MAX_QUOTED_CHARS} characters of a field.

  --apply                write the slots (without it, nothing is written)
  --actor <name>         who adds the rota, stored with the events`,
  options: { apply: { type: 'boolean' }, actor: { type: 'string' } },
  positionals: ['file.csv'],
};

/** A refusal of the scheduler for one rota, named by the lines of the file it comes from. */
function atLines(group: RotaGroup, error: unknown): unknown {
  if (!isOpdError(error)) return error;
  const field = error.details['field'];
  const entry = typeof field === 'string' ? /^rota\.weekly\[(\d+)\]/.exec(field) : null;
  const lines = entry === null ? group.lines : [group.lines[Number(entry[1])]!];
  const where = lines.length === 1 ? `line ${lines[0]}` : `lines ${listed(lines.map(String))}`;
  return new CliFailure('BAD_ROTA', `${where} (doctor ${clip(group.doctorId)}): ${error.code}: ${error.message}`, { cause: error });
}

function describe(group: RotaGroup, slots: readonly Slot[], applied: boolean): string {
  const head = `${group.doctorId} ${group.rota.from} to ${group.rota.to} (line${group.lines.length > 1 ? 's' : ''} ${group.lines.join(', ')})`;
  if (slots.length === 0) return `${head}: nothing to add, every slot is there\n`;
  const verb = applied ? 'added' : 'would add';
  const list = slots.map((s) => `  ${s.id}  ${s.start.toISOString()} to ${s.end.toISOString()}  capacity ${s.capacity} (+${s.overflowCapacity})\n`).join('');
  return `${head}: ${verb} ${slots.length} slot${slots.length > 1 ? 's' : ''}\n${list}`;
}

async function preview(opd: OpdScheduler, groups: readonly RotaGroup[], actor: string | undefined): Promise<Slot[][]> {
  const out: Slot[][] = [];
  for (const group of groups) {
    try {
      out.push(await opd.addRecurringSlots(group.doctorId, group.rota, { dryRun: true, ...(actor === undefined ? {} : { actor }) }));
    } catch (error) {
      throw atLines(group, error);
    }
  }
  return out;
}

/** Runs `import-rota`: every rota checked by a dry run first; written only with `--apply`. */
export async function runImportRota(line: ParsedLine, io: CliIo): Promise<number> {
  const file = line.positionals[0]!;
  let text: string | undefined;
  try {
    text = await readBounded(io.readFile(file), MAX_ROTA_BYTES);
  } catch (error) {
    throw new CliFailure('BAD_ROTA', `Could not read \`${file}\`: ${(error as { code?: unknown } | null)?.code ?? String(error)}`, { cause: error });
  }
  if (text === undefined) throw new CliFailure('BAD_ROTA', `\`${file}\` is larger than the ${BOUND} a rota file may be: split it into smaller files`);
  const groups = parseRotaCsv(text);
  const apply = flag(line, 'apply');
  const actor = stringOption(line, 'actor');
  return withScheduler(line, io, {}, async (opd) => {
    // Every rota is checked before anything is written.
    const planned = await preview(opd, groups, actor);
    if (!apply) {
      for (const [i, group] of groups.entries()) await write(io.stdout, describe(group, planned[i]!, false));
      await write(io.stdout, `Dry run: nothing was written. Run again with --apply to add ${planned.flat().length} slots.\n`);
      return 0;
    }
    for (const group of groups) {
      let added: Slot[];
      try {
        added = await opd.addRecurringSlots(group.doctorId, group.rota, actor === undefined ? undefined : { actor });
      } catch (error) {
        throw atLines(group, error);
      }
      await write(io.stdout, describe(group, added, true));
    }
    return 0;
  });
}
