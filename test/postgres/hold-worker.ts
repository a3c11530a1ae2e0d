/**
 * A worker process of the `$hold` race: its own pool and scheduler; told to go (a line on stdin) it
 * holds the proposal it was given for its own patient through `holdAppointment`
 * (`opd-scheduler/fhir`), and prints the answer as a JSON line (`{ resourceType, status?, code? }`).
 *
 * Usage: tsx test/postgres/hold-worker.ts <databaseUrl> <schema> <proposal JSON> <patient id>
 */
import pg from 'pg';
import { OpdScheduler, presets } from '../../src/index.js';
import { holdAppointment, type FhirProposedAppointment } from '../../src/fhir/index.js';
import { PostgresStorage } from '../../src/postgres/index.js';
import { NOW } from './shared.js';

const [url, schema, proposalJson, patientId] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 2 });
const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema: schema! }), clock: () => new Date(NOW) });
const proposal = JSON.parse(proposalJson!) as FhirProposedAppointment;
const mine = {
  ...proposal,
  participant: [
    { actor: { reference: `Patient/${patientId!}` }, required: 'required', status: 'needs-action' },
    ...proposal.participant.filter((p) => !String(p.actor.reference ?? '').startsWith('Patient/')),
  ],
};

// A warm connection first, so that the holds of every process meet at the database at once.
await pool.query('SELECT 1');
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
const answer = await holdAppointment(opd, mine, { holdMinutes: 10, actor: `worker-${process.pid}` });
process.stdout.write(
  `${JSON.stringify(answer.resourceType === 'Appointment' ? { resourceType: answer.resourceType, status: answer.status, id: answer.id } : { resourceType: answer.resourceType, code: answer.issue[0]?.details?.coding?.[0]?.code })}\n`,
);
await opd.close();
await pool.end();
