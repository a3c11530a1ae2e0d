/**
 * Booking windows under random operation sequences at random clock times, in three time zones
 * (one of them across a change to summer time): no booking, hold, move or reinstatement puts a
 * request in a slot outside its window unless its actor is exempt or it is an emergency; an
 * emergency or an exempt actor is never refused by a window; a named slot within the window is
 * never refused by one; and no cancellation past the cut-off is accepted, nor one before it refused.
 * The window is judged here on the wall clock, independently of the scheduler's rule.
 */
import fc from 'fast-check';
import { type BookingWindow, type BookingWindows, isOpdError, OpdScheduler, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, type Cat, fcOptions, PRESETS, timeoutFor, windowArb } from './support.js';

const MINUTE = 60_000;
const DAY_MS = 86_400_000;
/** The days with slots: London changes to summer time on the 29th. */
const DAYS = ['2026-03-28', '2026-03-29', '2026-03-30'] as const;
/** UTC hours of the slots of each day (the same local dates in every zone below). */
const HOURS = [6, 8, 10, 13] as const;
const START = Date.parse('2026-03-28T02:00:00Z');
const ZONES = ['UTC', 'Asia/Kolkata', 'Europe/London'] as const;
const EXEMPT = 'desk';
const RUNS = 500;

type Op =
  | { readonly kind: 'book' | 'hold'; readonly category: Cat; readonly slot: number | null; readonly day: number | null; readonly actor: string | null }
  | { readonly kind: 'move'; readonly token: number; readonly slot: number; readonly actor: string | null }
  | { readonly kind: 'cancel' | 'reinstate'; readonly token: number; readonly actor: string | null }
  | { readonly kind: 'advance'; readonly minutes: number };

/** A window of one bound (most often: a request then meets it in a run), or of several; the actor `desk` is exempt. */
const oneWindowArb: fc.Arbitrary<BookingWindow> = fc.oneof(
  windowArb.map((w) => ({ minNoticeMinutes: w.minNoticeMinutes ?? 90, cancelCutoffMinutes: w.cancelCutoffMinutes ?? 60 })),
  windowArb.map((w) => ({ maxDaysAhead: w.maxDaysAhead ?? 0 })),
  windowArb.map((w) => (w.opensAt === undefined ? { sameDayOnly: true } : { opensAt: w.opensAt })),
  windowArb,
);
const windowsArb: fc.Arbitrary<BookingWindows> = fc
  .record({ EMERGENCY: oneWindowArb, PAID: oneWindowArb, FOLLOW_UP: oneWindowArb, ONLINE: oneWindowArb, WALK_IN: oneWindowArb }, { requiredKeys: ['ONLINE'] })
  .map((windows) => ({ ...windows, exemptActors: [EXEMPT] }));

const actorArb = fc.constantFrom<string | null>(null, EXEMPT, 'kiosk');
const slotIndexArb = fc.integer({ min: 0, max: DAYS.length * HOURS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom<'book' | 'hold'>('book', 'book', 'hold'),
      category: fc.constantFrom(...CATEGORIES),
      slot: fc.option(slotIndexArb, { nil: null }),
      day: fc.option(fc.integer({ min: 0, max: DAYS.length - 1 }), { nil: null }),
      actor: actorArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant<'move'>('move'), token: fc.nat(30), slot: slotIndexArb, actor: actorArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom<'cancel' | 'reinstate'>('cancel', 'reinstate'), token: fc.nat(30), actor: actorArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant<'advance'>('advance'), minutes: fc.integer({ min: 0, max: 120 }) }) },
);

/** The wall clock of an instant in a zone: its local date and minute of the day. */
function wallClock(zone: string): (ms: number) => { readonly date: string; readonly minute: number } {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return (ms) => {
    const p = Object.fromEntries(format.formatToParts(ms).map((x) => [x.type, x.value]));
    return { date: `${p['year']}-${p['month']}-${p['day']}`, minute: Number(p['hour']) * 60 + Number(p['minute']) };
  };
}

/** Calendar days from date `a` to date `b`. */
function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/**
 * Whether a request at `now` is within `window` for a slot starting at `start`, on the wall
 * clock: opening times lie between 06:00 and 12:00, away from any clock change of these zones.
 */
function within(window: BookingWindow, wall: ReturnType<typeof wallClock>, start: number, now: number): boolean {
  const slotDay = wall(start).date;
  const here = wall(now);
  const ahead = daysBetween(here.date, slotDay);
  if (window.maxDaysAhead !== undefined && ahead > window.maxDaysAhead) return false;
  if (window.sameDayOnly === true && ahead > 0) return false;
  if (window.opensAt !== undefined) {
    const [hh, mm] = window.opensAt.at.split(':').map(Number);
    const opens = hh! * 60 + mm!;
    if (ahead > window.opensAt.daysBefore || (ahead === window.opensAt.daysBefore && here.minute < opens)) return false;
  }
  return window.minNoticeMinutes === undefined || now <= start - window.minNoticeMinutes * MINUTE;
}

/** What the runs saw, so that a property that stopped exercising the windows fails. */
interface Seen {
  placed: number;
  outside: number;
}

describe('booking windows', () => {
  for (const preset of ['standard', 'cascade', 'waitlist']) {
    it(
      `no request outside its window is accepted unless exempt or an emergency (${preset})`,
      async () => {
        const seen: Seen = { placed: 0, outside: 0 };
        await fc.assert(
          fc.asyncProperty(
            windowsArb,
            fc.constantFrom(...ZONES),
            fc.array(opArb, { minLength: 20, maxLength: 80 }),
            async (windows: BookingWindows, zone, ops) => {
              const clock = { now: START };
              const opd = new OpdScheduler({ ...PRESETS[preset]!(), timeZone: zone, bookingWindows: windows, clock: () => new Date(clock.now) });
              const wall = wallClock(zone);
              await opd.addDoctor({ id: 'd1', name: 'Dr One' });
              const slots = DAYS.flatMap((day) => HOURS.map((h) => ({ id: `${day}-${h}`, start: Date.parse(`${day}T${String(h).padStart(2, '0')}:00:00Z`) })));
              await opd.addSlots(
                'd1',
                slots.map((s) => ({ id: s.id, start: new Date(s.start).toISOString(), end: new Date(s.start + 60 * MINUTE).toISOString(), capacity: 3 })),
              );
              const startOf = new Map(slots.map((s) => [s.id, s.start]));
              const tokens: string[] = [];
              const windowOf = (category: string): BookingWindow | undefined =>
                category === 'exemptActors' ? undefined : (windows[category] as BookingWindow | undefined);
              /** Whether no window applies to a request. */
              const free = (category: string, actor: string | null): boolean =>
                category === 'EMERGENCY' || actor === EXEMPT || windowOf(category) === undefined;
              /** A placed token's slot must be within the window of its request, at the call's clock. */
              const checkPlaced = (token: Token, actor: string | null, what: string): void => {
                if (token.slotId === null || free(token.category, actor)) return;
                seen.placed++;
                expect(
                  within(windowOf(token.category)!, wall, startOf.get(token.slotId)!, clock.now),
                  `${what}: ${token.category} placed in ${token.slotId} at ${new Date(clock.now).toISOString()}`,
                ).toBe(true);
              };
              let patient = 0;
              for (const op of ops) {
                if (op.kind === 'advance') {
                  clock.now += op.minutes * MINUTE;
                  continue;
                }
                let call: Promise<{ token: Token }>;
                let category: string;
                let asked: string | null = null;
                let tokenId: string | undefined;
                if (op.kind === 'book' || op.kind === 'hold') {
                  category = op.category;
                  asked = op.slot === null ? null : slots[op.slot]!.id;
                  const request = {
                    doctorId: 'd1',
                    category: op.category,
                    patient: { id: `p${++patient}`, name: 'Patient' },
                    ...(asked !== null ? { slotId: asked } : op.day !== null ? { date: DAYS[op.day]! } : {}),
                    ...(op.actor === null ? {} : { actor: op.actor }),
                  };
                  call = op.kind === 'book' ? opd.book(request) : opd.hold({ ...request, holdMinutes: 10 });
                } else {
                  tokenId = 'token' in op ? tokens[op.token % Math.max(1, tokens.length)] : undefined;
                  if (tokenId === undefined) continue;
                  const token = await opd.getToken(tokenId);
                  category = token.category;
                  const opts = op.actor === null ? {} : { actor: op.actor };
                  if (op.kind === 'move') {
                    asked = slots[op.slot]!.id;
                    call = opd.move(tokenId, { slotId: asked }, opts);
                  } else if (op.kind === 'cancel') {
                    const slotId = token.slotId;
                    const cutoff = windowOf(category)?.cancelCutoffMinutes;
                    const late = slotId !== null && cutoff !== undefined && clock.now > startOf.get(slotId)! - cutoff * MINUTE;
                    call = opd.cancel(tokenId, opts).then(
                      (r) => {
                        expect(late && !free(category, op.actor), `cancel of ${tokenId} past the cut-off accepted`).toBe(false);
                        return r;
                      },
                      (error: unknown) => {
                        if (isOpdError(error, 'CANCEL_CUTOFF'))
                          expect(late && !free(category, op.actor), `cancel of ${tokenId} refused by the cut-off`).toBe(true);
                        throw error;
                      },
                    );
                  } else call = opd.reinstate(tokenId, opts);
                }
                try {
                  const result = await call;
                  if (op.kind === 'book' || op.kind === 'hold') tokens.push(result.token.id);
                  if (op.kind === 'move' && result.token.id !== tokenId) tokens.push(result.token.id);
                  if (op.kind !== 'cancel') checkPlaced(result.token, op.actor, op.kind);
                } catch (error) {
                  if (!isOpdError(error)) throw error;
                  if (error.code === 'OUTSIDE_BOOKING_WINDOW') {
                    seen.outside++;
                    expect(free(category, op.actor), `${op.kind} of an emergency or an exempt actor refused by a window`).toBe(false);
                    // A named slot is refused only when it is outside the window.
                    if (asked !== null)
                      expect(within(windowOf(category)!, wall, startOf.get(asked)!, clock.now), `${op.kind} refused ${asked} within its window`).toBe(false);
                    // A date, or no date: refused only when no slot it could take is within the window.
                    if ((op.kind === 'book' || op.kind === 'hold') && asked === null) {
                      const open = slots.filter((x) => x.start + 60 * MINUTE > clock.now && (op.day === null || x.id.startsWith(DAYS[op.day]!)));
                      expect(
                        open.filter((x) => within(windowOf(category)!, wall, x.start, clock.now)).map((x) => x.id),
                        `${op.kind} refused with slots within its window`,
                      ).toEqual([]);
                    }
                    for (const bound of [error.details['opensAt'], error.details['closesAt']])
                      if (bound !== null) expect(Number.isNaN(Date.parse(String(bound)))).toBe(false);
                  }
                }
              }
            },
          ),
          fcOptions(RUNS),
        );
        // The runs placed requests the windows applied to, and refused some.
        expect(seen.placed).toBeGreaterThan(0);
        expect(seen.outside).toBeGreaterThan(0);
      },
      timeoutFor(RUNS, 200),
    );
  }
});
