import type { Token } from 'opd-scheduler';
import { dateOption, flag, type CommandSpec, type ParsedLine } from '../args.js';
import { write, writeLine, type CliIo } from '../io.js';
import { withScheduler } from '../store.js';

/** `status`: the doctors and a day's places, waitlists and unplaced emergencies. */
export const statusSpec: CommandSpec = {
  name: 'status',
  summary: "the doctors and a day's places, waitlists and unplaced emergencies",
  usage: 'status [--date <YYYY-MM-DD>] [--json] <store>',
  help: `Shows, for each doctor, that day's slots, places taken of the capacity, how many patients wait,
and the emergencies waiting without a place (by token id and number; never patient data).

  --date <YYYY-MM-DD>    the local date (default: today in --time-zone)
  --json                 one JSON object instead of a table`,
  options: { date: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [],
};

/** One doctor's line of the status. */
interface DoctorStatus {
  readonly doctorId: string;
  readonly name: string;
  readonly department: string | null;
  readonly slots: number;
  readonly openSlots: number;
  readonly taken: number;
  readonly capacity: number;
  readonly waiting: number;
  readonly unplacedEmergencies: readonly { readonly tokenId: string; readonly tokenNumber: number; readonly label: string }[];
}

/** Runs `status`: a table, or one JSON object with `--json`. */
export async function runStatus(line: ParsedLine, io: CliIo): Promise<number> {
  const given = dateOption(line, 'date');
  return withScheduler(line, io, {}, async (opd) => {
    const date = given ?? opd.dayOf((io.now ?? (() => new Date()))());
    const doctors: DoctorStatus[] = [];
    for (const doctor of await opd.listDoctors()) {
      const schedule = await opd.getSchedule(doctor.id, date);
      // Waiting: the day's waitlist, and the waitlists of single slots (a per-slot policy).
      const waiting = new Map<string, Token>(schedule.waitlist.map((t) => [t.id, t]));
      for (const view of schedule.slots) for (const t of view.waitlist) waiting.set(t.id, t);
      const open = schedule.slots.filter((view) => view.slot.status === 'OPEN');
      doctors.push({
        doctorId: doctor.id,
        name: doctor.name,
        department: doctor.department ?? null,
        slots: schedule.slots.length,
        openSlots: open.length,
        taken: schedule.slots.reduce((n, view) => n + view.places.length, 0),
        capacity: open.reduce((n, view) => n + view.slot.capacity, 0),
        waiting: waiting.size,
        unplacedEmergencies: [...waiting.values()].filter((t) => t.category === 'EMERGENCY').map((t) => ({ tokenId: t.id, tokenNumber: t.tokenNumber, label: t.label })),
      });
    }
    if (flag(line, 'json')) {
      await writeLine(io.stdout, { date, doctors });
      return 0;
    }
    await write(io.stdout, table(date, doctors));
    return 0;
  });
}

/** The status as a table, then the unplaced emergencies, one a line. */
function table(date: string, doctors: readonly DoctorStatus[]): string {
  if (doctors.length === 0) return `${date}: no doctors\n`;
  const rows = [
    ['DOCTOR', 'NAME', 'SLOTS', 'PLACES', 'WAITING', 'EMERGENCIES WAITING'],
    ...doctors.map((d) => [d.doctorId, d.name, `${d.openSlots}/${d.slots} open`, `${d.taken}/${d.capacity}`, String(d.waiting), String(d.unplacedEmergencies.length)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  const emergencies = doctors.flatMap((d) => d.unplacedEmergencies.map((e) => `  ${d.doctorId}: token ${e.label} (${e.tokenId})`));
  return [`${date}`, ...lines, ...(emergencies.length === 0 ? [] : ['Emergencies waiting without a place:', ...emergencies]), ''].join('\n');
}
