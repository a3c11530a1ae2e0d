/**
 * The model is the one place records, statuses, queue order and estimates are defined; the core
 * depends on it and on no adapter.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOKEN_STATUSES } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { circles } from '../graph.js';
import fc from 'fast-check';
import { DayEstimates, dayQueueOf } from '../../src/model/queue.js';
import type { TokenRecord } from '../../src/model/records.js';
import { fcOptions } from '../property/support.js';
import { at, slot, token } from './builders.js';
import { ACTIVE_STATUSES, isActiveStatus, isConsultedStatus, isLiveStatus, isPlaceStatus, LIVE_STATUSES, PLACE_STATUSES } from '../../src/model/status.js';
import { ACTIVE, ANY_STATUS, LIVE, PLACE } from '../../src/postgres/schema.js';

const root = fileURLToPath(new URL('../../src', import.meta.url));

function importsOf(dir: string): { file: string; from: string }[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    if (!name.endsWith('.ts')) return [];
    const text = readFileSync(join(root, dir, name), 'utf8');
    return [...text.matchAll(/from '([^']+)'/g)].map((m) => ({ file: `${dir}/${name}`, from: m[1]! }));
  });
}

/** Every file of `src/core` (its folders too) and the files of `src/core` it imports, type imports included. */
function coreGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (entry.isDirectory()) walk(`${dir}/${entry.name}`);
      else if (entry.name.endsWith('.ts')) files.push(`${dir}/${entry.name}`);
    }
  };
  walk('core');
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const dir = file.slice(0, file.lastIndexOf('/'));
    const targets = [...text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].map((m) => {
      const parts = `${dir}/${m[1]!}.ts`.split('/');
      const out: string[] = [];
      for (const part of parts)
        if (part === '..') out.pop();
        else if (part !== '.') out.push(part);
      return out.join('/');
    });
    graph.set(
      file,
      targets.filter((t) => known.has(t)),
    );
  }
  return graph;
}

describe('the model', () => {
  it('the core has no import circle of more than two files (type imports count)', () => {
    const graph = coreGraph();
    expect(graph.size).toBeGreaterThan(30);
    expect(circles(graph).filter((c) => c.length > 2)).toEqual([]);
    // The circle finder finds circles: a made-up one of three files is one.
    expect(
      circles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
  });

  it('the core and the model import no adapter code', () => {
    const adapterImports = [...importsOf('core'), ...importsOf('model')].filter(({ from }) => /(^|\/)(storage|postgres|testing)\//.test(from));
    expect(adapterImports).toEqual([]);
  });

  it('the model imports nothing from the core', () => {
    expect(importsOf('model').filter(({ from }) => from.includes('/core/'))).toEqual([]);
  });

  it('counts as consulted exactly the places whose consultation has begun', () => {
    expect(TOKEN_STATUSES.filter(isConsultedStatus)).toEqual(['IN_CONSULTATION', 'COMPLETED']);
  });

  it('defines each status set once, and the SQL lists are those sets', () => {
    expect(PLACE_STATUSES).toEqual(['BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'HELD']);
    expect(LIVE_STATUSES).toEqual(['BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION', 'HELD']);
    expect(ACTIVE_STATUSES).toEqual(['BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'HELD']);
    for (const status of TOKEN_STATUSES) {
      expect(PLACE.includes(`'${status}'`), `${status} in PLACE`).toBe(isPlaceStatus(status));
      expect(LIVE.includes(`'${status}'`), `${status} in LIVE`).toBe(isLiveStatus(status));
      expect(ACTIVE.includes(`'${status}'`), `${status} in ACTIVE`).toBe(isActiveStatus(status));
      expect(ANY_STATUS.includes(`'${status}'`), `${status} in ANY_STATUS`).toBe(true);
    }
    expect(ANY_STATUS).toBe(`(${TOKEN_STATUSES.map((s) => `'${s}'`).join(',')})`);
  });

  it('estimates a start one consultation per place ahead while the day keeps to its schedule', () => {
    const day = dayQueueOf([{ slot: slot(9, 4), places: [token(2, 'ONLINE', 'd1-09'), token(1, 'ONLINE', 'd1-09'), token(3, 'PAID', 'd1-09')] }]);
    const queue = new DayEstimates(day, at(7), 10).queue(0);
    expect(queue.map((q) => [q.token.tokenNumber, q.position, q.estimate])).toEqual([
      [3, 1, { start: at(9), status: 'ON_TIME' }],
      [1, 2, { start: at(9, 10), status: 'ON_TIME' }],
      [2, 3, { start: at(9, 20), status: 'ON_TIME' }],
    ]);
  });

  it('a turn that comes exactly at the slot’s end is after the slot; the one before it is on time', () => {
    const places = [1, 2, 3, 4, 5, 6, 7].map((n) => token(n, 'ONLINE', 'd1-09'));
    const queue = new DayEstimates(dayQueueOf([{ slot: slot(9, 7), places }]), at(7), 10).queue(0);
    expect(queue.slice(-2).map((q) => q.estimate)).toEqual([
      { start: at(9, 50), status: 'ON_TIME' },
      { start: at(10), status: 'AFTER_SLOT' },
    ]);
  });

  it('never estimates a waiting patient before now: a booking at 09:17 is not estimated for 09:00', () => {
    const day = dayQueueOf([{ slot: slot(9, 4), places: [token(1, 'ONLINE', 'd1-09', { requestedAt: at(9, 17) })] }]);
    expect(new DayEstimates(day, at(9, 17), 10).queue(0)[0]!.estimate).toEqual({ start: at(9, 17), status: 'ON_TIME' });
  });

  it('follows the consultation in progress and the pace of completed ones, and says when an estimate falls after the slot', () => {
    const places = [
      token(1, 'ONLINE', 'd1-09', { status: 'COMPLETED', updatedAt: at(9, 20) }),
      token(2, 'ONLINE', 'd1-09', { status: 'COMPLETED', updatedAt: at(9, 40) }),
      token(3, 'ONLINE', 'd1-09', { status: 'IN_CONSULTATION', updatedAt: at(9, 41) }),
      token(4, 'ONLINE', 'd1-09'),
      token(5, 'ONLINE', 'd1-09'),
    ];
    const day = dayQueueOf([
      { slot: slot(9, 5), places },
      { slot: slot(10, 2), places: [token(6, 'ONLINE', 'd1-10')] },
    ]);
    const estimates = new DayEstimates(day, at(9, 45), 10);
    // Pace: (2 × 10 + 20) / 3 minutes; the next patient after the consultation that started at 09:41.
    const pace = (40 / 3) * 60_000;
    expect(estimates.paceMinutes).toBeCloseTo(40 / 3);
    const nine = estimates.queue(0).map((q) => q.estimate);
    expect(nine[2]).toEqual({ start: at(9, 41), status: 'IN_CONSULTATION' });
    expect(nine[3]).toEqual({ start: at(9, 41) + pace, status: 'ON_TIME' });
    expect(nine[4]).toEqual({ start: at(9, 41) + 2 * pace, status: 'AFTER_SLOT' });
    // The overrun pushes the next slot.
    expect(estimates.queue(1)[0]!.estimate).toEqual({ start: at(9, 41) + 3 * pace, status: 'ON_TIME' });
  });

  it('takes the pace from the last ten gaps between completions only, on a long day listed out of order', () => {
    // Fourteen completions: three 20-minute gaps first, then ten of 5 minutes, listed latest first.
    const times = [at(9), at(9, 20), at(9, 40), at(10)];
    for (let k = 1; k <= 10; k++) times.push(at(10) + k * 5 * 60_000);
    const places = times.reverse().map((updatedAt, i) => token(i + 1, 'ONLINE', 'd1-09', { status: 'COMPLETED', updatedAt }));
    const estimates = new DayEstimates(dayQueueOf([{ slot: slot(9, 20), places }]), at(10, 55), 10);
    // (2 × 10 + 10 × 5) / 12 minutes: the 20-minute gaps are older than the last ten.
    expect(estimates.paceMinutes).toBeCloseTo(70 / 12);
  });

  it('takes the pace from completions in time order whatever order their places are listed in, and the next turn after the latest consultation begun', () => {
    const places = [
      token(1, 'ONLINE', 'd1-09', { status: 'COMPLETED', updatedAt: at(9, 40) }),
      token(2, 'ONLINE', 'd1-09', { status: 'COMPLETED', updatedAt: at(9, 20) }),
      token(3, 'ONLINE', 'd1-09', { status: 'COMPLETED', updatedAt: at(9, 30) }),
      // Two rooms: both consultations in progress, the later begun at 09:50.
      token(4, 'ONLINE', 'd1-09', { status: 'IN_CONSULTATION', updatedAt: at(9, 41) }),
      token(5, 'ONLINE', 'd1-09', { status: 'IN_CONSULTATION', updatedAt: at(9, 50) }),
      token(6, 'ONLINE', 'd1-09'),
    ];
    const estimates = new DayEstimates(dayQueueOf([{ slot: slot(9, 6), places }]), at(9, 51), 20);
    // Gaps of 10 and 10 minutes after 09:20, with the configured 20 minutes counted twice.
    expect(estimates.paceMinutes).toBe(15);
    expect(estimates.of(0, places[5]!)).toEqual({ position: 6, estimate: { start: at(10, 5), status: 'AFTER_SLOT' } });
  });

  it("counts every place of the slots before as a turn on a day with no consultation yet, and finds a place by its token's id", () => {
    const nine = [token(1, 'ONLINE', 'd1-09'), token(2, 'ONLINE', 'd1-09'), token(3, 'ONLINE', 'd1-09')];
    const ten = [token(4, 'ONLINE', 'd1-10'), token(5, 'ONLINE', 'd1-10')];
    const day = dayQueueOf([
      { slot: slot(9, 3), places: nine },
      { slot: slot(10, 2), places: ten },
    ]);
    // Three turns of 25 minutes from 09:00 overrun the 10:00 slot by a quarter of an hour.
    const expected = { position: 2, estimate: { start: at(10, 40), status: 'ON_TIME' } };
    expect(new DayEstimates(day, at(7), 25).of(1, ten[1]!)).toEqual(expected);
    // The record as another read gave it (an equal copy): the same place.
    expect(new DayEstimates(day, at(7), 25).of(1, { ...ten[1]! })).toEqual(expected);
    expect(new DayEstimates(day, at(7), 25).of(1, { ...ten[0]! })).toEqual({ position: 1, estimate: { start: at(10, 15), status: 'ON_TIME' } });
  });

  it("gives a place the position and estimate of the slot's queue, whether the queue was built first or not, and the day's count of consultations known or not", () => {
    const STATUSES = ['BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED'] as const;
    const placeArb = fc.record({
      slot: fc.nat(3),
      category: fc.constantFrom('EMERGENCY', 'PAID', 'ONLINE', 'WALK_IN'),
      status: fc.constantFrom(...STATUSES),
      minute: fc.nat(240),
      requested: fc.nat(120),
    });
    fc.assert(
      fc.property(
        fc.array(placeArb, { maxLength: 24 }),
        fc.boolean(),
        fc.nat(300),
        fc.integer({ min: 1, max: 30 }),
        (specs, begun, nowMinute, consultMinutes) => {
          const slots = [9, 10, 11, 12].map((hour) => ({ slot: slot(hour, 8), places: [] as TokenRecord[] }));
          specs.forEach((spec, k) => {
            const slotId = slots[spec.slot]!.slot.id;
            // Half the days before any consultation has begun (every place waiting).
            const status = begun || spec.status === 'BOOKED' || spec.status === 'CHECKED_IN' ? spec.status : 'BOOKED';
            slots[spec.slot]!.places.push(
              token(k + 1, spec.category, slotId, { status, requestedAt: at(7) + spec.requested * 60_000, updatedAt: at(8) + spec.minute * 60_000 }),
            );
          });
          const day = dayQueueOf(slots);
          const now = at(8) + nowMinute * 60_000;
          for (let i = 0; i < slots.length; i++) {
            const queue = new DayEstimates(day, now, consultMinutes).queue(i);
            for (const place of slots[i]!.places) {
              const expected = queue.find((q) => q.token.id === place.id)!;
              // Asked first on a fresh day (the queue not built), and asked after the queue was built.
              const fresh = new DayEstimates(day, now, consultMinutes);
              expect(fresh.of(i, { ...place })).toEqual({ position: expected.position, estimate: expected.estimate });
              fresh.queue(i);
              expect(fresh.of(i, place)).toEqual({ position: expected.position, estimate: expected.estimate });
            }
            expect(new DayEstimates(day, now, consultMinutes).of(i, token(99, 'ONLINE', slots[i]!.slot.id))).toBeUndefined();
          }
          // A day that says how many of its places have begun their consultation gets the same answers.
          const consultations = slots.flatMap((s) => s.places).filter((t) => t.status === 'IN_CONSULTATION' || t.status === 'COMPLETED').length;
          const told = { ...day, consultations };
          for (let i = slots.length - 1; i >= 0; i--) {
            expect(new DayEstimates(told, now, consultMinutes).queue(i)).toEqual(new DayEstimates(day, now, consultMinutes).queue(i));
            for (const place of slots[i]!.places)
              expect(new DayEstimates(told, now, consultMinutes).of(i, place)).toEqual(new DayEstimates(day, now, consultMinutes).of(i, place));
          }
        },
      ),
      fcOptions(200),
    );
  });
});
