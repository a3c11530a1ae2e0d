/** The driver for a PGlite instance: one in-process connection (see {@link Driver}). */
import { endedUnit } from './connection.js';
import type { Driver, Output, PgResultLike, PGliteLike, PGliteTransactionLike, Step } from './db.js';

/** The `opd_out` column of a PGlite result (PGlite parses `json` itself). */
function pgliteOut(result: PgResultLike): Output {
  const row = result.rows[0] as Record<string, unknown> | undefined;
  return row === undefined ? undefined : row['opd_out'];
}

/** Sets the facility of the transaction (see `SETTINGS_SQL` in pool-driver.ts). */
const FACILITY_SQL = "SELECT set_config('opd.facility_id', $1::text, true)";

/**
 * @param db - the instance
 * @param facilityId - the facility every transaction is scoped to (`opd.facility_id`), also that
 *   of a single statement, which therefore runs in a transaction of its own
 */
export function pgliteDriver(db: PGliteLike, facilityId = 'default'): Driver {
  // PGlite is one in-process connection: its transactions never overlap, timeouts are moot, and
  // the connection cannot be lost.
  const transaction = <T>(work: (tx: PGliteTransactionLike) => Promise<T>): Promise<T> =>
    db.transaction(async (tx) => {
      await tx.query(FACILITY_SQL, [facilityId]);
      return work(tx);
    });
  const runAll = async (tx: PGliteTransactionLike, steps: readonly Step[]): Promise<Output[]> => {
    const out: Output[] = [];
    for (const step of steps) out.push(pgliteOut(await tx.query(step.statement.text, [...step.values])));
    return out;
  };
  const run = async (step: Step, afterCommit?: Step): Promise<Output> => {
    if (afterCommit === undefined) return transaction(async (tx) => pgliteOut(await tx.query(step.statement.text, [...step.values])));
    return transaction(async (tx) => (await runAll(tx, [step, afterCommit]))[0]);
  };
  return {
    kind: 'pglite',
    async unit(work) {
      let ended = false;
      try {
        return await transaction((tx) =>
          work({
            run: async (steps, finish) => {
              const out = await runAll(tx, steps);
              if (finish?.afterCommit !== undefined) await runAll(tx, [finish.afterCommit]);
              return out;
            },
            client: {
              query: async (text, values = []) => {
                if (ended) throw endedUnit();
                return { rows: (await tx.query(text, [...values])).rows as Record<string, unknown>[] };
              },
            },
            exec: async (text) => {
              await tx.exec(text);
            },
          }),
        );
      } finally {
        ended = true;
      }
    },
    snapshot(steps) {
      return transaction((tx) => runAll(tx, steps));
    },
    run,
    // One in-process connection: nothing to gain from a group.
    together: (step, _order, _lockTimeoutAt, afterCommit) => run(step, afterCommit),
    async exec(text) {
      await db.exec(text);
    },
  };
}
