/**
 * The plan of a unit over several doctors (`planUnit`): the doctors to lock, in order, and what
 * to read of each, against the plan written out in full — every doctor named in `others`, every
 * member of the department (or every doctor), each with its request made at once. The plan makes
 * a member's request only when asked for it (a call at a point serving the facility locks two
 * hundred doctors and reads one or two); what it answers must be what the full plan holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIds, mergeLoadRequests, namedDoctor, planUnit, staysWithin } from '../../src/adapter-kit/units.js';
import type { LoadRequest } from '../../src/model/snapshot.js';
import { fcOptions, timeoutFor } from './support.js';

const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'B', 'é'] as const;
const DAYS = ['2026-02-02', '2026-02-03'] as const;

/** What to read of one doctor: a few days, a slot, a window. */
const partArb: fc.Arbitrary<LoadRequest> = fc
  .record(
    {
      days: fc.subarray([...DAYS], { minLength: 1 }),
      slotId: fc.constantFrom('s1', 's2'),
      schedule: fc.record({ from: fc.integer({ min: 0, max: 5 }), to: fc.option(fc.integer({ min: 6, max: 9 }), { nil: undefined }) }),
    },
    { requiredKeys: [] },
  )
  .map((part) => part as LoadRequest);

const requestArb: fc.Arbitrary<{ request: LoadRequest; members: string[] | undefined }> = fc
  .record({
    primary: fc.option(fc.constantFrom(...IDS), { nil: undefined }),
    own: partArb,
    others: fc.array(fc.tuple(fc.option(fc.constantFrom(...IDS), { nil: undefined }), partArb), { maxLength: 4 }),
    group: fc.constantFrom('none', 'department', 'every'),
    each: partArb,
    members: fc.option(fc.shuffledSubarray([...IDS]), { nil: undefined }),
  })
  .map(({ primary, own, others, group, each, members }) => {
    const request: LoadRequest = {
      ...own,
      ...(primary === undefined ? {} : { doctorId: primary }),
      ...(others.length === 0 ? {} : { others: others.map(([doctorId, part]) => (doctorId === undefined ? part : { ...part, doctorId })) }),
      ...(group === 'department' ? { department: { name: 'x', each } } : group === 'every' ? { everyDoctor: { each } } : {}),
    };
    return { request, members };
  });

function strip(request: LoadRequest): LoadRequest {
  const { others: _o, department: _d, everyDoctor: _e, patient: _p, servicePoint: _s, ...rest } = request;
  return rest;
}

/** The plan written out in full: each part made at once, into a map sorted by id. */
function fullPlan(request: LoadRequest, members: readonly string[] | undefined) {
  const primary = namedDoctor(request);
  const further = new Map<string, LoadRequest>();
  let primaryRequest = request;
  const add = (id: string, part: LoadRequest): void => {
    const held = further.get(id);
    further.set(id, held === undefined ? { ...strip(part), doctorId: id } : mergeLoadRequests(held, part));
  };
  for (const other of request.others ?? []) {
    if (other.doctorId === undefined) continue;
    if (other.doctorId === primary) primaryRequest = mergeLoadRequests(primaryRequest, other);
    else add(other.doctorId, other);
  }
  const group = request.everyDoctor ?? request.department;
  if (group !== undefined) {
    for (const id of members ?? []) {
      if (id === primary) primaryRequest = mergeLoadRequests(primaryRequest, group.each);
      else add(id, group.each);
    }
  }
  const ids = [...further.keys()].sort(compareIds);
  const lockOrder = primary === undefined ? ids : [...ids, primary].sort(compareIds);
  return { primary, primaryRequest: strip(primaryRequest), further: ids.map((id) => [id, further.get(id)!] as const), lockOrder };
}

describe('planUnit', () => {
  const runs = 400;
  it(
    'answers what the plan written out in full holds: the locked doctor, every further doctor by id, what to read of each, the lock order',
    { timeout: timeoutFor(runs, 5) },
    () => {
      fc.assert(
        fc.property(requestArb, fc.constantFrom(...IDS, 'zz'), ({ request, members }, probe) => {
          const plan = planUnit(request, members);
          const full = fullPlan(request, members);
          expect(plan.primary).toBe(full.primary);
          expect(plan.primaryRequest).toEqual(full.primaryRequest);
          expect([...plan.lockOrder]).toEqual(full.lockOrder);
          expect([...plan.further.keys()]).toEqual(full.further.map(([id]) => id));
          expect([...plan.further]).toEqual(full.further);
          expect(plan.further.size).toBe(full.further.length);
          const held = full.further.find(([id]) => id === probe)?.[1];
          expect(plan.further.has(probe)).toBe(held !== undefined);
          expect(plan.further.get(probe)).toEqual(held);
          // A later load naming the same doctors stays within them (one naming a doctor by nothing does not).
          const grouped = request.department !== undefined || request.everyDoctor !== undefined;
          const named = (request.others ?? []).every((o) => o.doctorId !== undefined);
          expect(staysWithin(request, plan.lockOrder, members)).toBe(named && (!grouped || members !== undefined));
        }),
        fcOptions(runs),
      );
    },
  );
});
