import { toFhirAppointment, toFhirSchedule, toFhirSlot, type FhirAppointment, type FhirSchedule, type FhirSlot, type Token } from 'opd-scheduler';
import { dateOption, stringOption, type CommandSpec, type ParsedLine } from '../args.js';
import { UsageError } from '../errors.js';
import { write, type CliIo } from '../io.js';
import { withScheduler } from '../store.js';

/** `export-fhir`: a doctor's day as a FHIR R4 Bundle. */
export const exportFhirSpec: CommandSpec = {
  name: 'export-fhir',
  summary: "write a doctor's day as a FHIR R4 Bundle",
  usage: 'export-fhir --doctor <id> [--date <YYYY-MM-DD>] <store>',
  help: `Writes to stdout a FHIR R4 Bundle (type collection) of one doctor's day: the doctor's Schedule,
each Slot, and an Appointment for each token holding a place or waiting. Appointments name no
patient: the tokens' patient data is never written.

  --doctor <id>          the doctor (required)
  --date <YYYY-MM-DD>    the local date (default: today in --time-zone)`,
  options: { doctor: { type: 'string' }, date: { type: 'string' } },
  positionals: [],
};

/** A FHIR R4 Bundle of the resources of one doctor-day. */
interface FhirBundle {
  readonly resourceType: 'Bundle';
  readonly type: 'collection';
  readonly timestamp: string;
  readonly entry: readonly { readonly resource: FhirSchedule | FhirSlot | FhirAppointment }[];
}

/** Runs `export-fhir`. */
export async function runExportFhir(line: ParsedLine, io: CliIo): Promise<number> {
  const doctorId = stringOption(line, 'doctor');
  if (doctorId === undefined) throw new UsageError('Expected `--doctor <id>`', line.command.name);
  const given = dateOption(line, 'date');
  return withScheduler(line, io, {}, async (opd) => {
    const now = (io.now ?? (() => new Date()))();
    const schedule = await opd.getSchedule(doctorId, given ?? opd.dayOf(now));
    const entry: { resource: FhirSchedule | FhirSlot | FhirAppointment }[] = [{ resource: toFhirSchedule(schedule.doctor) }];
    const tokens = new Map<string, Token>();
    for (const view of schedule.slots) {
      entry.push({ resource: toFhirSlot(view, { now }) });
      for (const token of [...view.places, ...view.waitlist]) tokens.set(token.id, token);
    }
    for (const token of schedule.waitlist) tokens.set(token.id, token);
    const slots = new Map(schedule.slots.map((view) => [view.slot.id, view.slot]));
    for (const token of tokens.values()) {
      const slot = token.slotId === null ? undefined : slots.get(token.slotId);
      entry.push({ resource: toFhirAppointment(token, slot === undefined ? {} : { slot }) });
    }
    const bundle: FhirBundle = { resourceType: 'Bundle', type: 'collection', timestamp: now.toISOString(), entry };
    await write(io.stdout, `${JSON.stringify(bundle, null, 2)}\n`);
    return 0;
  });
}
