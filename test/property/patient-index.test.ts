/**
 * The in-memory store's patient index (the duplicate-booking guard's lookup: one place per
 * patient) under random sequences of new and changed tokens, on small days (a scan of hashes)
 * and on days that grow past the scan into a map: it always finds a live token of a patient who
 * holds one, and never a token that is not live or not theirs — patient ids whose hashes
 * collide included, and tokens whose patient data was erased (their id gone).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeToken } from '../../src/model/make.js';
import { ERASED_PATIENT } from '../../src/model/patient.js';
import { type TokenRecord, tokenIdOf } from '../../src/model/records.js';
import { isLiveStatus } from '../../src/model/status.js';
import { PatientIndex, patientHash } from '../../src/storage/patient-index.js';
import { TOKEN_STATUSES, type TokenStatus } from '../../src/types.js';
import { fcOptions, timeoutFor } from './support.js';

/** Two different patient ids with the same hash (found by a birthday search). */
function collidingIds(): readonly [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const id = `c${i}`;
    const other = seen.get(patientHash(id));
    if (other !== undefined) return [other, id];
    seen.set(patientHash(id), id);
  }
}

const [COLLIDING_A, COLLIDING_B] = collidingIds();
/**
 * A pool of `size` patient ids (the colliding pair among them) and `undefined`, a token without
 * one: a small pool gives patients several tokens each, a large one mostly one.
 */
function patientPool(size: number): readonly (string | undefined)[] {
  return [COLLIDING_A, COLLIDING_B, ...Array.from({ length: size }, (_, i) => `p${i}`), undefined];
}

function token(n: number, patientId: string | undefined, status: TokenStatus): TokenRecord {
  return makeToken({
    id: tokenIdOf('d1', '2026-01-05', n),
    doctorId: 'd1',
    day: '2026-01-05',
    slotId: null,
    waitingForSlotId: null,
    category: 'ONLINE',
    rank: 1,
    status,
    tokenNumber: n,
    patient: Object.freeze(patientId === undefined ? { name: 'Anonymous' } : { id: patientId, name: 'Patient' }),
    requestedAt: 0,
    bumpCount: 0,
    placedAt: null,
    notBefore: null,
    idempotencyKey: null,
    cancelReason: null,
    updatedAt: 0,
    holdExpiresAt: null,
    label: String(n),
  });
}

type Op =
  | { readonly kind: 'add'; readonly count: number; readonly patient: number; readonly status: TokenStatus }
  | { readonly kind: 'change'; readonly at: number; readonly status: TokenStatus }
  | { readonly kind: 'erase'; readonly at: number };

const statusArb = fc.constantFrom(...TOKEN_STATUSES);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), count: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 120 })), patient: fc.nat(), status: statusArb }),
  fc.record({ kind: fc.constant('change' as const), at: fc.nat(), status: statusArb }),
  // A token's patient data erased (any status: a past day's booking may still be live): its id gone.
  fc.record({ kind: fc.constant('erase' as const), at: fc.nat() }),
);

/** Checks the lookup of each patient against the tokens themselves. */
function expectAgrees(index: PatientIndex, tokens: readonly TokenRecord[], patients: readonly (string | undefined)[]): void {
  for (const patientId of [...patients, 'nobody']) {
    if (patientId === undefined) continue;
    const found = index.liveTokenOf(tokens, patientId);
    const live = tokens.filter((t) => t.patient.id === patientId && isLiveStatus(t.status));
    if (live.length === 0) expect(found).toBeUndefined();
    else expect(live).toContain(found);
  }
}

describe('PatientIndex', () => {
  it('the colliding ids really collide', () => {
    expect(COLLIDING_A).not.toBe(COLLIDING_B);
    expect(patientHash(COLLIDING_A)).toBe(patientHash(COLLIDING_B));
  });

  it(
    'finds a live token of a patient exactly when the day holds one, small days and large',
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 500 }), fc.array(opArb, { maxLength: 60 }), (size, ops) => {
          const pool = patientPool(size);
          const index = new PatientIndex();
          const tokens: TokenRecord[] = [];
          for (const op of ops) {
            // The patients this step touched, the colliding pair and nobody are checked after each step; everyone at the end.
            const touched = new Set<string | undefined>([COLLIDING_A, COLLIDING_B]);
            if (op.kind === 'add') {
              for (let i = 0; i < op.count; i++) {
                const patientId = pool[(op.patient + i) % pool.length];
                touched.add(patientId);
                tokens.push(token(tokens.length + 1, patientId, op.status));
                index.note(tokens, undefined, tokens[tokens.length - 1]!);
              }
            } else if (op.kind === 'erase' && tokens.length > 0) {
              const previous = tokens[op.at % tokens.length]!;
              const next = makeToken({ ...previous, patient: ERASED_PATIENT });
              touched.add(previous.patient.id);
              tokens[next.tokenNumber - 1] = next;
              index.note(tokens, previous, next);
            } else if (op.kind === 'change' && tokens.length > 0) {
              const previous = tokens[op.at % tokens.length]!;
              const next = makeToken({ ...previous, status: op.status });
              touched.add(next.patient.id);
              tokens[next.tokenNumber - 1] = next;
              index.note(tokens, previous, next);
            }
            expectAgrees(index, tokens, [...touched]);
          }
          expectAgrees(index, tokens, pool);
        }),
        fcOptions(150),
      );
    },
    timeoutFor(150, 10),
  );

  it(
    'forgets the id of a token whose patient data was erased, on a day large enough for the map',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 257, max: 400 }),
          fc.integer({ min: 1, max: 30 }),
          fc.array(statusArb, { minLength: 1, maxLength: 7 }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
          (count, patients, statuses, erased) => {
            const pool = patientPool(patients);
            const index = new PatientIndex();
            const tokens: TokenRecord[] = [];
            for (let i = 0; i < count; i++) {
              tokens.push(token(i + 1, pool[i % pool.length], statuses[i % statuses.length]!));
              index.note(tokens, undefined, tokens[i]!);
            }
            for (const at of erased) {
              const previous = tokens[at % tokens.length]!;
              const next = makeToken({ ...previous, patient: ERASED_PATIENT });
              tokens[next.tokenNumber - 1] = next;
              index.note(tokens, previous, next);
              expectAgrees(index, tokens, pool);
            }
          },
        ),
        fcOptions(60),
      );
    },
    timeoutFor(60, 50),
  );
});
