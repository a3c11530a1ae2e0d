/**
 * A worker process of the offer race: its own pool and scheduler; told to go (a line on stdin) it accepts
 * the offer every worker accepts and its own offer, at once, and prints each answer as a JSON line
 * (`{ offerId, ok, replayed, code, tokenId }`).
 *
 * Usage: tsx test/postgres/offer-worker.ts <databaseUrl> <schema> <sharedOfferId> <ownOfferId>
 */
import pg from 'pg';
import { isOpdError, OpdScheduler, presets, StagedOffers } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres/index.js';
import { NOW } from './shared.js';

const [url, schema, shared, own] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 2 });
const opd = new OpdScheduler({
  ...presets.standard(),
  storage: new PostgresStorage({ db: pool, schema: schema! }),
  clock: () => new Date(NOW),
  offers: new StagedOffers({ windowMinutes: 30, groupSize: 20 }),
});

async function answer(offerId: string): Promise<string> {
  try {
    const result = await opd.acceptOffer(offerId, { actor: `worker-${process.pid}` });
    return JSON.stringify({ offerId, ok: true, replayed: result.replayed === true, tokenId: result.token.id });
  } catch (error) {
    if (!isOpdError(error)) throw error;
    return JSON.stringify({ offerId, ok: false, code: error.code });
  }
}

// A warm connection first, so that the accepts of every process meet at the database at once.
await pool.query('SELECT 1');
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
const lines = await Promise.all([answer(shared!), answer(own!)]);
process.stdout.write(`${lines.join('\n')}\n`);
await opd.close();
await pool.end();
