import type { FollowUp, Token } from 'opd-scheduler';
import { dateOption, flag, type CommandSpec, type ParsedLine } from '../args.js';
import { write, writeLine, type CliIo } from '../io.js';
import { withScheduler } from '../store.js';

/** `status`: the doctors and a day's places, waitlists and unplaced emergencies, and the follow-ups due without a place. */
export const statusSpec: CommandSpec = {
  name: 'status',
  summary: "the doctors and a day's places, waitlists and unplaced emergencies; the follow-ups due",
  usage: 'status [--date <YYYY-MM-DD>] [--json] <store>',
  help: `Shows, for each doctor, that day's slots, places taken of the capacity, how many patients wait,
and the emergencies waiting without a place (by token id and number; never patient data). Then
every follow-up due without a place, whatever its date, by the doctor it is with: its due date and
window (by follow-up id; never patient data).

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

/** A follow-up due without a place, as the status shows it: ids and dates only. */
interface DueFollowUp {
  readonly followUpId: string;
  readonly dueDate: string;
  readonly from: string;
  readonly to: string;
  /** The department asked for, or `null` when a doctor was. */
  readonly department: string | null;
}

/** The follow-ups due without a place, by the doctor each is with. */
interface FollowUpsDue {
  readonly count: number;
  readonly byDoctor: readonly { readonly doctorId: string; readonly followUps: readonly DueFollowUp[] }[];
}

/**
 * The follow-ups due, grouped by the doctor each is with (the doctor asked for, else the visit's
 * doctor, who is tried first for a department), doctors in id order, each in due-date order.
 */
function followUpsDue(due: readonly FollowUp[]): FollowUpsDue {
  const byDoctor = new Map<string, DueFollowUp[]>();
  for (const f of due) {
    const doctorId = f.toDoctorId ?? f.doctorId;
    const list = byDoctor.get(doctorId) ?? [];
    list.push({ followUpId: f.id, dueDate: f.dueDate, from: f.from, to: f.to, department: f.department });
    byDoctor.set(doctorId, list);
  }
  const doctors = [...byDoctor.keys()].sort();
  return { count: due.length, byDoctor: doctors.map((doctorId) => ({ doctorId, followUps: byDoctor.get(doctorId)! })) };
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
        unplacedEmergencies: [...waiting.values()]
          .filter((t) => t.category === 'EMERGENCY')
          .map((t) => ({ tokenId: t.id, tokenNumber: t.tokenNumber, label: t.label })),
      });
    }
    const followUps = followUpsDue(await opd.dueFollowUps());
    if (flag(line, 'json')) {
      await writeLine(io.stdout, { date, doctors, followUpsDue: followUps });
      return 0;
    }
    await write(io.stdout, table(date, doctors, followUps));
    return 0;
  });
}

/** The status as a table, then the unplaced emergencies and the follow-ups due, one a line. */
function table(date: string, doctors: readonly DoctorStatus[], followUps: FollowUpsDue): string {
  if (doctors.length === 0) return `${date}: no doctors\n`;
  const rows = [
    ['DOCTOR', 'NAME', 'SLOTS', 'PLACES', 'WAITING', 'EMERGENCIES WAITING'],
    ...doctors.map((d) => [
      d.doctorId,
      d.name,
      `${d.openSlots}/${d.slots} open`,
      `${d.taken}/${d.capacity}`,
      String(d.waiting),
      String(d.unplacedEmergencies.length),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  const emergencies = doctors.flatMap((d) => d.unplacedEmergencies.map((e) => `  ${d.doctorId}: token ${e.label} (${e.tokenId})`));
  const due = followUps.byDoctor.flatMap(({ doctorId, followUps: list }) =>
    list.map((f) => {
      const window = f.from === f.to ? f.from : `${f.from} to ${f.to}`;
      return `  ${doctorId}: due ${f.dueDate} (window ${window})${f.department === null ? '' : `, department ${f.department}`}, follow-up ${f.followUpId}`;
    }),
  );
  return [
    `${date}`,
    ...lines,
    ...(emergencies.length === 0 ? [] : ['Emergencies waiting without a place:', ...emergencies]),
    `Follow-ups due without a place: ${followUps.count}`,
    ...due,
    '',
  ].join('\n');
}
