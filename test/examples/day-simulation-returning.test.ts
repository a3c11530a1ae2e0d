/**
 * `npm run simulate -- --days <n>`: patients come back. A share of the patients seen are told to
 * come back (`bookFollowUp`) and are seen on a later day, dialysis runs as series (`bookSeries`),
 * charged consultations give free revisits; the figures printed are the scheduler's events.
 */
import { MemoryStorage, type OpdEvent, OpdScheduler } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError } from '../../examples/day-simulation/cli.js';
import { drawPatients, type PatientPlan } from '../../examples/day-simulation/arrivals.js';
import { daySeed, daysJson, scenarioOfDay, simulateDays } from '../../examples/day-simulation/days.js';
import { FREE_REVISITS } from '../../examples/day-simulation/returning.js';
import { addDoctor, addSlots, dayOptions, runDay } from '../../examples/day-simulation/simulate.js';
import { MINUTE } from '../../examples/day-simulation/time.js';
import { renderDaysReport } from '../../examples/day-simulation/report/days.js';
import { buildScenario } from '../../examples/day-simulation/scenarios.js';
import { dayAfter } from '../../examples/day-simulation/time.js';

/** Runs the days, keeping every event of the run and a look at the scheduler after each day. */
async function run(argv: string[], look: (opd: OpdScheduler, day: number, events: readonly OpdEvent[]) => Promise<void> = async () => {}) {
  const options = parseFlags(argv);
  const events: OpdEvent[] = [];
  let day = 0;
  const outcome = await simulateDays(options, null, async (opd, history) => {
    events.push(...history.events);
    await look(opd, day++, events);
  });
  return { options, outcome, events };
}

const ofType = <T extends OpdEvent['type']>(events: readonly OpdEvent[], type: T): Extract<OpdEvent, { type: T }>[] =>
  events.filter((e): e is Extract<OpdEvent, { type: T }> => e.type === type);

describe('simulate --days: patients who come back', () => {
  it('reads --follow-up-days, --no-follow-ups and --json, and refuses them where they do not apply', () => {
    expect(parseFlags(['--days', '3']).followUps).toEqual({ afterDays: [7, 14] });
    expect(parseFlags(['--days', '3', '--follow-up-days', '1-2']).followUps).toEqual({ afterDays: [1, 2] });
    expect(parseFlags(['--days', '3', '--follow-up-days', '5']).followUps).toEqual({ afterDays: [5, 5] });
    expect(parseFlags(['--days', '3', '--no-follow-ups']).followUps).toBeNull();
    // The lab replays no follow-ups: a history is written without them; one day has none.
    expect(parseFlags(['--days', '3', '--history', 'h.jsonl']).followUps).toBeNull();
    expect(parseFlags([]).followUps).toBeNull();
    expect(parseFlags(['--days', '3', '--json', 'f.json', '--report', 'd.html'])).toMatchObject({ json: 'f.json', report: 'd.html' });
    expect(parseFlags(['--days', '3']).report).toBeNull();
    expect(() => parseFlags(['--follow-up-days', '7-14'])).toThrow(UsageError);
    expect(() => parseFlags(['--days', '3', '--no-follow-ups', '--follow-up-days', '7'])).toThrow('--follow-up-days applies');
    expect(() => parseFlags(['--days', '3', '--follow-up-days', '14-7'])).toThrow('--follow-up-days must be');
    expect(() => parseFlags(['--days', '3', '--follow-up-days', '0'])).toThrow('--follow-up-days must be');
    expect(() => parseFlags(['--json', 'f.json'])).toThrow('--json applies');
    expect(() => parseFlags(['--days', '3', '--json', 'f.txt'])).toThrow('--json must name');
  });

  it('sees on a later day the follow-ups booked at the end of the first day, and counts them as the events do', async () => {
    const { outcome, events } = await run(['--days', '3', '--follow-up-days', '1-2', '--seed', '4'], async (opd, day, sofar) => {
      if (day !== 2) return;
      // Every follow-up booked is a FOLLOW_UP token of a later day than its visit, inside a free revisit.
      for (const e of ofType(sofar, 'followup:booked')) {
        const [visit, token] = [await opd.getToken(e.fromTokenId), await opd.getToken(e.toTokenId)];
        expect(visit.status).toBe('COMPLETED');
        expect(token.category).toBe('FOLLOW_UP');
        expect(token.day > visit.day && token.day === e.toDay).toBe(true);
        expect(token.entitlement?.fromTokenId).toBe(e.fromTokenId);
      }
    });
    const f = outcome.returning!;
    const booked = ofType(events, 'followup:booked');
    const firstDay = outcome.lines[0]!.day;
    const dayOf = new Map(ofType(events, 'token:completed').map((e) => [e.tokenId, e.day]));
    const fromFirstDay = booked.filter((e) => dayOf.get(e.fromTokenId) === firstDay);
    expect(fromFirstDay.length).toBeGreaterThan(0);
    const bookedIds = new Set(booked.map((e) => e.toTokenId));
    const seen = ofType(events, 'token:completed').filter((e) => bookedIds.has(e.tokenId));
    // Follow-ups booked on the first day are seen on the second and third.
    expect(seen.some((e) => fromFirstDay.some((b) => b.toTokenId === e.tokenId) && e.day > firstDay)).toBe(true);

    expect(f.followUpsBooked).toBe(booked.length);
    // Asked once per visit: booked at once, or due (and booked by a sweep, or still due).
    expect(f.followUpsAsked).toBe(new Set([...booked, ...ofType(events, 'followup:due')].map((e) => e.followUpId)).size);
    expect(f.followUpsDue).toBe(ofType(events, 'followup:due').length);
    expect(f.followUpsSeen).toBe(seen.length);
    expect(f.followUpsMissed).toBe(ofType(events, 'token:no-show').filter((e) => bookedIds.has(e.tokenId)).length);
    expect(f.followUpsAfterRun).toBe(booked.filter((e) => e.toDay > outcome.lines.at(-1)!.day).length);
    // A follow-up of a day of the run was seen, missed, or ended unseen; none is counted twice.
    expect(f.followUpsSeen + f.followUpsMissed + f.followUpsAfterRun).toBeLessThanOrEqual(f.followUpsBooked);
    expect(f.entitlementsOpened).toBe(ofType(events, 'entitlement:opened').length);
    expect(f.entitlementsUsed).toBe(ofType(events, 'entitlement:used').length);
    expect(f.entitlementsReturned).toBe(ofType(events, 'entitlement:returned').length);
    expect(f.charged).toBe(f.entitlementsOpened);
    expect(f.entitlementsUsed).toBeGreaterThanOrEqual(f.followUpsBooked);
    // Per day: what was seen adds up to the run's figure; the first day sees none.
    expect(outcome.lines[0]!.comingBack!.followUpsSeen).toBe(0);
    expect(outcome.lines.reduce((n, l) => n + l.comingBack!.followUpsSeen, 0)).toBe(f.followUpsSeen);
    expect(outcome.text).toContain(`${f.followUpsSeen} seen on a later day`);
    // Each day's events, counted as they came, are the day's stored history.
    expect(outcome.lines.reduce((n, l) => n + l.events, 0)).toBe(events.length);
    expect(outcome.events).toBe(events.length);
    expect(JSON.parse(daysJson(outcome))).toMatchObject({ days: 3, returning: { followUpsSeen: f.followUpsSeen, entitlementsUsed: f.entitlementsUsed } });
  });

  it('runs the first day as without returning patients, and not at all with --no-follow-ups', async () => {
    const [on, off] = await Promise.all([run(['--days', '2', '--seed', '9']), run(['--days', '2', '--seed', '9', '--no-follow-ups'])]);
    const { comingBack: _on, events: _eventsOn, ...first } = on.outcome.lines[0]!;
    const { comingBack: none, events: _eventsOff, ...same } = off.outcome.lines[0]!;
    expect(first).toEqual(same);
    expect(none).toBeNull();
    expect(off.outcome.returning).toBeNull();
    expect(off.outcome.text).not.toContain('Coming back');
    expect(ofType(off.events, 'followup:booked')).toHaveLength(0);
    // 7 to 14 days ahead: booked, not yet seen.
    expect(on.outcome.returning!.followUpsBooked).toBeGreaterThan(0);
    expect(on.outcome.returning!.followUpsAfterRun).toBe(on.outcome.returning!.followUpsBooked);
  });

  it('follows a due follow-up that a sweep books into the day running: the patient comes and is seen', async () => {
    // The rota of the second day is published only after the first: every follow-up asked on the
    // first day for the next is due, and the second day's sweeps book them.
    const options = { scenario: 'three-doctors', seed: 22, doctors: 200 } as const;
    const first = buildScenario(options.scenario, options.seed, options.doctors);
    const [day0, day1] = [scenarioOfDay(options, 0, first), scenarioOfDay(options, 1, first)];
    const time = { now: day0.startsAt };
    const opd = new OpdScheduler({
      ...dayOptions('standard', 'standard'),
      followUps: FREE_REVISITS,
      storage: new MemoryStorage(),
      clock: () => new Date(time.now),
    });
    const events: OpdEvent[] = [];
    opd.on('event', (e) => events.push(e));
    try {
      for (const doctor of first.doctors) await addDoctor(opd, doctor);
      for (const doctor of day0.doctors) await addSlots(opd, doctor);
      const told = (_tokenId: string, patient: number) => ({ charged: true, comeBackAfterDays: patient % 4 === 0 ? 1 : null });
      await runDay({
        scenario: day0,
        patients: drawPatients(day0, options.seed),
        preset: 'standard',
        priority: 'standard',
        shared: { opd, time },
        returning: { booked: [], adopt: () => null, seen: told, windowDays: 0 },
      });
      const due = ofType(events, 'followup:due');
      expect(due.length).toBeGreaterThan(0);
      expect(ofType(events, 'followup:booked')).toHaveLength(0);
      expect(await opd.dueFollowUps({ date: day1.day })).toHaveLength(due.length);

      time.now = day1.startsAt;
      for (const doctor of day1.doctors) await addSlots(opd, doctor);
      const patients: PatientPlan[] = drawPatients(day1, daySeed(options.seed, 1)).map((p) => ({ ...p, id: `${p.id}-2` }));
      const adopted: string[] = [];
      const result = await runDay({
        scenario: day1,
        patients,
        preset: 'standard',
        priority: 'standard',
        shared: { opd, time },
        returning: {
          booked: [],
          adopt: (tokenId, doctorId, slotStart) => {
            adopted.push(tokenId);
            patients.push({
              ...patients[0]!,
              id: `back-${adopted.length}`,
              doctorId,
              category: 'FOLLOW_UP',
              arrivesAt: Math.max(time.now, slotStart - 10 * MINUTE),
              checkInMinutes: 0,
              cancelAt: null,
              wayIn: 'portal',
              wayInMinutes: null,
              payMinutes: null,
            });
            return patients.length - 1;
          },
          seen: () => ({ charged: false, comeBackAfterDays: null }),
          windowDays: 0,
        },
      });
      const booked = ofType(events, 'followup:booked');
      expect(booked.length).toBeGreaterThan(0);
      expect(booked.every((e) => e.toDay === day1.day)).toBe(true);
      expect(adopted.sort()).toEqual(booked.map((e) => e.toTokenId).sort());
      // Followed as patients of the day: they came and checked in, and most were seen (late in a
      // busy doctor's day, some were not reached before the close and expired, as any patient).
      let seen = 0;
      for (const id of adopted) {
        const track = result.tokens.get(id)!;
        expect(track.category).toBe('FOLLOW_UP');
        const { status } = await opd.getToken(id);
        expect(track.status, id).toBe(status);
        if (status === 'COMPLETED') seen++;
      }
      expect(seen).toBeGreaterThan(adopted.length / 2);
      expect(await opd.dueFollowUps()).toHaveLength(due.length - booked.length);
    } finally {
      await opd.close();
    }
  });

  it('runs the dialysis chairs as series in the hospital, each occurrence booked and kept as the events say', async () => {
    const ended = new Map<string, string>();
    const lastDay = dayAfter(buildScenario('hospital', 3, 20).day, 1);
    const { outcome, events, options } = await run(
      ['--scenario', 'hospital', '--doctors', '20', '--days', '2', '--follow-up-days', '1', '--seed', '3'],
      async (opd, day, sofar) => {
        if (day !== 1) return;
        for (const id of ofType(sofar, 'series:booked').flatMap((e) => e.tokenIds)) {
          const token = await opd.getToken(id);
          expect(token.seriesId, id).toBeDefined();
          if (token.day <= lastDay) ended.set(id, token.status);
        }
      },
    );
    const f = outcome.returning!;
    const series = ofType(events, 'series:booked');
    expect(series.length).toBeGreaterThan(0);
    expect(f.series).toBe(series.length);
    const occurrences = new Set(series.flatMap((e) => e.tokenIds));
    expect(f.seriesOccurrences).toBe(occurrences.size);
    expect(f.seriesSkipped).toBe(series.reduce((n, e) => n + e.skipped.length, 0));
    const kept = ofType(events, 'token:completed').filter((e) => occurrences.has(e.tokenId));
    expect(f.seriesKept).toBe(kept.length);
    expect(f.seriesKept).toBeGreaterThan(0);
    // Every occurrence of a day of the run was kept or missed (never lost); the others wait for their day.
    expect([...ended.values()].every((status) => status === 'COMPLETED' || status === 'NO_SHOW')).toBe(true);
    expect(ended.size).toBe(f.seriesKept + f.seriesMissed);
    expect(f.seriesOccurrences).toBeGreaterThan(ended.size);
    expect(f.followUpsSeen).toBeGreaterThan(0);

    const html = renderDaysReport(outcome, 'npm run simulate -- --days 2', options.followUps!.afterDays);
    expect(html).toContain('Series occurrences');
    expect(html).toContain(`<div class="value">${f.seriesKept}</div><div class="title">Occurrences kept</div>`);
    expect(html).toContain(`<div class="value">${f.entitlementsUsed}</div><div class="title">Free revisits used</div>`);
    expect(html).toContain(`<div class="value">${f.followUpsSeen}</div><div class="title">Follow-ups seen</div>`);
  });
});
