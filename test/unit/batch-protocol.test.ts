/**
 * A batch ends node-postgres's query protocol as the client's own queries do: once it settles it
 * calls the submittable's `callback` (where the client clears the read timer of a `query_timeout`),
 * once, on success and on failure; and on a read timeout, where the client calls that callback
 * with a bare error before `handleError`, the batch still rejects with its facts. The handlers
 * are driven here in the order node-postgres 8 drives them (`lib/client.js`); the effect on a
 * real script is `test/postgres/exit.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { Batch, batchFailure, type BatchConnection } from '../../src/postgres/batch.js';

const connection = (): BatchConnection & { written: number } => {
  const c = { parsedStatements: {} as Record<string, string>, written: 0, stream: { write: () => ((c.written += 1), true) } };
  return c;
};
const steps = [
  { statement: { name: 't_begin', text: 'BEGIN' }, values: [] },
  { statement: { name: 't_read', text: 'SELECT $1::json AS opd_out', json: true }, values: ['{"a":1}'] },
];

/** A batch, its settlement, and what its callback was called with (as the client would set it). */
function started(): { batch: Batch; settled: Promise<unknown[]>; calls: unknown[][] } {
  let batch!: Batch;
  const settled = new Promise<unknown[]>((resolve, reject) => (batch = new Batch(steps, resolve, reject)));
  const calls: unknown[][] = [];
  batch.callback = (...args) => void calls.push(args);
  return { batch, settled, calls };
}

describe('Batch and the query protocol of node-postgres', () => {
  it('calls the callback once with its outputs when the server is ready again', async () => {
    const { batch, settled, calls } = started();
    batch.submit(connection());
    batch.handleCommandComplete();
    batch.handleDataRow({ fields: ['{"a":1}'] });
    batch.handleCommandComplete();
    expect(calls).toEqual([]);
    batch.handleReadyForQuery();
    batch.handleReadyForQuery();
    await expect(settled).resolves.toEqual([undefined, { a: 1 }]);
    expect(calls).toEqual([[null, [undefined, { a: 1 }]]]);
  });

  it('calls the callback once with the failure when the server refuses a step', async () => {
    const { batch, settled, calls } = started();
    batch.submit(connection());
    batch.handleCommandComplete();
    const refused = Object.assign(new Error('refused'), { code: '23505' });
    batch.handleError(refused);
    batch.handleReadyForQuery();
    await expect(settled).rejects.toBe(refused);
    expect(calls).toEqual([[refused]]);
    expect(batchFailure(refused)).toMatchObject({ submitted: true, completedSteps: 1 });
  });

  it('on a read timeout still rejects with what it knows of the round trip', async () => {
    const { batch, settled, calls } = started();
    batch.submit(connection());
    batch.handleCommandComplete();
    // What the client does when its read timer fires: the callback first, then `handleError`.
    const timeout = new Error('Query read timeout');
    batch.callback?.(timeout);
    batch.callback = () => {};
    batch.handleError(timeout);
    const failure = await settled.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBe(timeout);
    expect(batchFailure(failure)).toMatchObject({ submitted: true, completedSteps: 1 });
    expect(calls).toEqual([[timeout]]);
  });
});
