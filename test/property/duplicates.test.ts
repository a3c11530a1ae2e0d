/**
 * The duplicate rules as a property: under any rules (scope, cap, exceptions, onDuplicate) and any
 * sequence of calls — bookings by doctor and by department, holds, moves, cancellations,
 * reinstatements, consultations completed, several calls at once — no patient ever holds more live
 * tokens than the rules allow: never two the same day within the scope (but for a request an
 * exception let through), never more than the cap from today on within the scope's reach.
 */
import fc from 'fast-check';
import { type DuplicateRulesOptions, isOpdError, OpdScheduler, presets, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { fcOptions } from './support.js';

const DAYS = ['2026-01-30', '2026-01-31', '2026-02-01'] as const;
/** Doctor → department (`null`: none, a department of its own). */
const DOCTORS: Readonly<Record<string, string | null>> = { a1: 'A', a2: 'A', b1: 'B', c1: null };
const PATIENTS = ['p1', 'p2'] as const;
const LIVE = new Set(['HELD', 'WAITLISTED', 'BOOKED', 'CHECKED_IN', 'IN_CONSULTATION']);

type Op =
  | { readonly kind: 'book' | 'hold'; readonly doctor: string; readonly patient: string; readonly day: number; readonly category: 'ONLINE' | 'FOLLOW_UP' }
  | { readonly kind: 'department'; readonly department: 'A' | 'B'; readonly patient: string; readonly day: number }
  | { readonly kind: 'cancel' | 'reinstate' | 'complete'; readonly pick: number }
  | { readonly kind: 'move'; readonly pick: number; readonly doctor: string; readonly day: number };

const doctorArb = fc.constantFrom(...Object.keys(DOCTORS));
const patientArb = fc.constantFrom(...PATIENTS);
const dayArb = fc.integer({ min: 0, max: DAYS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constantFrom('book' as const, 'hold' as const),
      doctor: doctorArb,
      patient: patientArb,
      day: dayArb,
      category: fc.constantFrom('ONLINE' as const, 'FOLLOW_UP' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('department' as const),
      department: fc.constantFrom('A' as const, 'B' as const),
      patient: patientArb,
      day: dayArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('cancel' as const, 'reinstate' as const, 'complete' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), doctor: doctorArb, day: dayArb }) },
);
const rulesArb: fc.Arbitrary<DuplicateRulesOptions> = fc.record(
  {
    scope: fc.constantFrom('doctor-day' as const, 'department-day' as const, 'facility-day' as const),
    maxActivePerPatient: fc.integer({ min: 1, max: 3 }),
    exceptions: fc.constantFrom([], [{ category: 'FOLLOW_UP', afterCompletedSameDay: true }], [{ department: 'B' }]),
    onDuplicate: fc.constantFrom('refuse' as const, 'move' as const),
  },
  { requiredKeys: ['scope'] },
);

/** Every token of the store, as it is now. */
async function allTokens(opd: OpdScheduler): Promise<Token[]> {
  const tokens: Token[] = [];
  for (const doctorId of Object.keys(DOCTORS)) {
    for (const day of DAYS) {
      const schedule = await opd.getSchedule(doctorId, day);
      tokens.push(...schedule.slots.flatMap((s) => s.places), ...schedule.waitlist);
    }
  }
  return tokens;
}

/** The group a token counts in for `scope`: its doctor, its doctor's department, or the facility. */
function groupOf(rules: DuplicateRulesOptions, doctorId: string): string {
  if (rules.scope === 'facility-day') return 'facility';
  if (rules.scope === 'department-day') return DOCTORS[doctorId] === null ? `doctor:${doctorId}` : `department:${DOCTORS[doctorId]!}`;
  return `doctor:${doctorId}`;
}

/** Whether a token may be one the rules' exceptions let through. */
function exceptable(rules: DuplicateRulesOptions, token: Token): boolean {
  return (rules.exceptions ?? []).some(
    (x) => (x.category === undefined || x.category === token.category) && (x.department === undefined || x.department === DOCTORS[token.doctorId]),
  );
}

function checkRules(rules: DuplicateRulesOptions, tokens: readonly Token[]): void {
  const live = tokens.filter((t) => LIVE.has(t.status) && typeof t.patient.id === 'string');
  const sameDay = new Map<string, number>();
  const active = new Map<string, number>();
  for (const t of live) {
    const group = groupOf(rules, t.doctorId);
    if (!exceptable(rules, t)) {
      const key = `${String(t.patient.id)}|${group}|${t.day}`;
      sameDay.set(key, (sameDay.get(key) ?? 0) + 1);
    }
    const reach = `${String(t.patient.id)}|${group}`;
    active.set(reach, (active.get(reach) ?? 0) + 1);
  }
  for (const [key, n] of sameDay) expect(n, `live tokens the same day within the scope: ${key}`).toBeLessThanOrEqual(1);
  // Every day of the world is today or later.
  if (rules.maxActivePerPatient !== undefined)
    for (const [key, n] of active) expect(n, `live tokens within the reach: ${key}`).toBeLessThanOrEqual(rules.maxActivePerPatient);
}

async function run(opd: OpdScheduler, op: Op, tokens: readonly Token[]): Promise<unknown> {
  const patient = (id: string) => ({ id, name: `Patient ${id}` });
  const picked = tokens.length === 0 ? undefined : tokens[('pick' in op ? op.pick : 0) % tokens.length];
  switch (op.kind) {
    case 'book':
      return opd.book({ doctorId: op.doctor, category: op.category, patient: patient(op.patient), date: DAYS[op.day]! });
    case 'hold':
      return opd.hold({ doctorId: op.doctor, category: op.category, patient: patient(op.patient), date: DAYS[op.day]!, holdMinutes: 600 });
    case 'department':
      return opd.book({ department: op.department, category: 'ONLINE', patient: patient(op.patient), date: DAYS[op.day]! });
    case 'cancel':
      return picked === undefined ? undefined : opd.cancel(picked.id);
    case 'reinstate':
      return picked === undefined ? undefined : opd.reinstate(picked.id);
    case 'complete':
      if (picked === undefined) return undefined;
      await opd.checkIn(picked.id);
      await opd.startConsultation(picked.id);
      return opd.complete(picked.id);
    case 'move':
      return picked === undefined ? undefined : opd.move(picked.id, { doctorId: op.doctor, date: DAYS[op.day]! });
  }
}

describe('duplicate rules (property)', () => {
  it('no patient ever holds more live tokens than the rules allow', async () => {
    await fc.assert(
      fc.asyncProperty(rulesArb, fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 14 }), async (rules, batches) => {
        const opd = new OpdScheduler({ ...presets.standard(), duplicates: rules, clock: () => new Date(`${DAYS[0]}T06:00:00Z`) });
        for (const [id, department] of Object.entries(DOCTORS)) {
          await opd.addDoctor({ id, name: `Dr ${id}`, ...(department === null ? {} : { department }) });
          await opd.addSlots(
            id,
            DAYS.flatMap((day) =>
              [9, 10].map((h) => ({
                start: `${day}T${String(h).padStart(2, '0')}:00:00Z`,
                end: `${day}T${String(h + 1).padStart(2, '0')}:00:00Z`,
                capacity: 2,
              })),
            ),
          );
        }
        for (const batch of batches) {
          const tokens = await allTokens(opd);
          // A batch's calls run at once.
          const settled = await Promise.allSettled(batch.map((op) => run(opd, op, tokens)));
          for (const s of settled) if (s.status === 'rejected' && !isOpdError(s.reason)) throw s.reason;
          checkRules(rules, await allTokens(opd));
        }
        await opd.close();
      }),
      fcOptions(60),
    );
  });
});
