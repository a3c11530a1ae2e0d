/**
 * A worker process of the UHI quota race: its own pool, scheduler and `UhiProvider`; told to go (a
 * line on stdin) it sends `init` for the slot and its own patient, then `confirm`, and prints the
 * answer as a JSON line (`{ state }` or `{ code }`).
 *
 * Usage: tsx test/postgres/uhi-worker.ts <databaseUrl> <schema> <slot id> <patient id> <quota>
 */
import pg from 'pg';
import { ChannelQuota, OpdScheduler, isOpdError, presets } from '../../src/index.js';
import { UhiProvider } from '../../src/abdm/index.js';
import { PostgresStorage } from '../../src/postgres/index.js';
import { NOW } from './shared.js';

const [url, schema, slotId, patientId, quota] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 2 });
const opd = new OpdScheduler({
  ...presets.standard(),
  quota: new ChannelQuota({ ONLINE: { count: Number(quota) } }),
  storage: new PostgresStorage({ db: pool, schema: schema! }),
  clock: () => new Date(NOW),
});
const uhi = new UhiProvider(opd, {
  providerId: 'hspa.example.org',
  providerUri: 'https://hspa.example.org/uhi',
  pinSecret: 'a-secret-shared-by-every-process',
});
const context = (action: string) => ({
  domain: 'nic2004:85111',
  country: 'IND',
  city: 'std:080',
  action,
  core_version: '0.7.1',
  consumer_id: 'eua',
  consumer_uri: 'https://eua',
  transaction_id: `t-${patientId!}`,
  message_id: `m-${action}`,
  timestamp: NOW,
});

await pool.query('SELECT 1');
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
let answer: { state?: string; code?: string; pin?: string; id?: string };
try {
  const init = await uhi.init({ context: context('init'), message: { order: { fulfillment: { id: slotId }, customer: { id: patientId } } } });
  const confirm = await uhi.confirm({ context: context('confirm'), message: { order: { id: init.message.order.id } } });
  answer = { state: confirm.message.order.state ?? '', id: confirm.message.order.id!, pin: confirm.message.order.authorization?.token ?? '' };
} catch (error) {
  answer = { code: isOpdError(error) ? error.code : String(error) };
}
process.stdout.write(`${JSON.stringify(answer)}\n`);
await opd.close();
await pool.end();
