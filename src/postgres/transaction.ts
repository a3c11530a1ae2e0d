/**
 * The integrator's transaction: `PostgresStorage.withTransaction` runs a scheduler call so that the
 * integrator's own statements ({@link UnitWork}) run inside each unit of work the call makes, on
 * its connection and in its transaction, after its writes and before its `COMMIT`; and the checks
 * that keep that transaction the unit's own.
 */
import { isOpdError, OpdError, invalid } from '../errors.js';
import { ConnectionLost } from './connection.js';
import type { PostgresTransactionClient, UnitSession } from './db.js';
import { DecisionFailed } from './decision.js';
import { codeOf, isSqlState, storageFailure } from './errors.js';

/**
 * Code that runs inside a unit of work, on its connection and in its transaction, after the
 * unit's changes are written and before its `COMMIT` (see {@link PostgresStorage.withTransaction}).
 * Throwing rolls the whole unit back. It must not end the transaction itself: `tx.query` refuses
 * `BEGIN`, `COMMIT`, `ROLLBACK` and the like, and a unit whose transaction is no longer its own
 * after the work fails with `STORAGE_FAILURE`.
 *
 * @param tx - the unit's connection
 * @param result - what the scheduler call will return once committed (a `BookingResult` for
 *   `book`, a `TransitionResult` for `cancel`, …)
 */
export type UnitWork = (tx: PostgresTransactionClient, result: unknown) => Promise<void>;

/** SQLSTATE of a statement sent in a transaction that an earlier failed statement aborted. */
const IN_FAILED_TRANSACTION = '25P02';

/**
 * The transaction-local setting a unit sets, to its tag, before the integrator's work runs: after
 * the work, the unit's own transaction is still the open one only if it still reads the tag (a
 * `COMMIT` or `ROLLBACK` of the work ends the transaction and the setting with it).
 */
const WORK_MARK = 'opd.unit_work';

/**
 * A statement that ends or opens a transaction (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`,
 * `ROLLBACK` or `ABORT`, with or without `AND CHAIN`, and the two-phase forms), after leading
 * blanks and comments; not `ROLLBACK TO [SAVEPOINT]`, which keeps the transaction.
 */
const TRANSACTION_CONTROL =
  /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*(?:begin|start\s+transaction|commit|end|abort|prepare\s+transaction|rollback(?!\s+(?:work\s+|transaction\s+)?to\b))\b/i;

/** The integrator's work of the calls run by `withTransaction`, found from inside each of their units. */
export class Transactions {
  #hooks: { getStore(): UnitWork | undefined; run<T>(work: UnitWork, call: () => T): T } | undefined;

  /** The integrator's work of the call whose unit runs now, if it was run by {@link Transactions.withTransaction}. */
  current(): UnitWork | undefined {
    return this.#hooks?.getStore();
  }

  /** Runs `call` so that `work` runs inside each of its units (see `PostgresStorage.withTransaction`). */
  async withTransaction<T>(call: () => Promise<T>, work: UnitWork): Promise<T> {
    if (typeof call !== 'function') throw invalid('call', 'Expected `call` to be a function');
    if (typeof work !== 'function') throw invalid('work', 'Expected `work` to be a function');
    if (this.#hooks === undefined) {
      const { AsyncLocalStorage } = await import('node:async_hooks');
      this.#hooks ??= new AsyncLocalStorage<UnitWork>();
    }
    return this.#hooks.run(work, call);
  }

  /**
   * Runs the integrator's work in the unit's transaction (`tag` marks it: see {@link WORK_MARK}),
   * then checks that the transaction can still commit and is still the unit's own: a work that
   * ended it (a `COMMIT` or `ROLLBACK` of its own, which the adapter's `COMMIT` would only draw a
   * warning for) fails the unit, and the copy of its doctors is dropped.
   */
  async run(work: UnitWork, tx: UnitSession, result: unknown, tag: string): Promise<void> {
    let unit: unknown;
    try {
      await tx.client.query(`SELECT set_config('${WORK_MARK}', $1, true)`, [tag]);
      await work(guardedClient(tx.client), result);
      // A statement the server refused, caught by the work, which went on: the transaction is
      // aborted, and PostgreSQL would answer its COMMIT with a ROLLBACK — the call reported, its
      // events emitted, nothing stored. Any statement now fails (25P02) if so; a savepoint the
      // work rolled back to leaves it usable.
      unit = (await tx.client.query(`SELECT current_setting('${WORK_MARK}', true) AS unit`)).rows[0]?.['unit'];
    } catch (error) {
      if (error instanceof ConnectionLost) throw error;
      if (codeOf(error) === IN_FAILED_TRANSACTION) {
        throw new DecisionFailed(storageFailure(error, 'A statement of the unit’s work failed and the work went on: the unit was rolled back'));
      }
      // A statement of the work the server refused: reduced like every database error the adapter
      // reports (the driver's message and `detail` may quote the row, and with it a patient).
      if (!isOpdError(error) && isSqlState(codeOf(error))) throw new DecisionFailed(storageFailure(error, 'PostgreSQL refused a statement of the unit’s work'));
      throw new DecisionFailed(error);
    }
    if (unit !== tag) {
      // The work ended the unit's transaction (and may have opened another): what it committed is
      // stored, what it rolled back is not, and the adapter's COMMIT would only draw a warning.
      throw new DecisionFailed(
        new OpdError(
          'STORAGE_FAILURE',
          'The unit’s work ended the unit’s transaction itself (a COMMIT or ROLLBACK of its own): the call failed and nothing was emitted; ' +
            'throw from the work to roll the unit back, or roll back to a savepoint of your own',
          { details: { adapter: 'postgres', outcome: 'unknown' } },
        ),
        true,
      );
    }
  }
}

/**
 * The unit's client as the integrator's work gets it: a statement that would end or open a
 * transaction (see {@link TRANSACTION_CONTROL}) is refused with `STORAGE_FAILURE` before it reaches
 * the connection. Best effort (only the text's first statement is looked at): the check after the
 * work catches the rest.
 */
function guardedClient(client: PostgresTransactionClient): PostgresTransactionClient {
  return {
    query: (text, values) => {
      if (typeof text === 'string' && TRANSACTION_CONTROL.test(text)) {
        return Promise.reject(
          new OpdError(
            'STORAGE_FAILURE',
            'The unit’s work may not end or open a transaction (BEGIN, COMMIT, ROLLBACK…): throw from the work to roll the unit back, or roll back to a savepoint of your own',
            { details: { adapter: 'postgres', outcome: 'not-committed' } },
          ),
        );
      }
      return client.query(text, values);
    },
  };
}
