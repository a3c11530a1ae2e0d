/**
 * Server CPU of the two SQL functions a booking runs, paired: `node --import tsx
 * bench/pg-functions.ts <dir> <dir> [runs]` (default 6), for instance this checkout and a
 * worktree of the main branch (each with its own `node_modules`).
 *
 * Each checkout migrates a schema of its own (`opd_fn_0`, `opd_fn_1`, or FUNCTIONS_SCHEMA`_0` and
 * `_1`, on DATABASE_URL, dropped at the end) and books 40 tokens into one doctor's day through its
 * own adapter. Then, in one backend, each run times batches of 20 calls of `opd_write` (a booking's
 * change set: the day's counter, one new token, one event) and of `opd_load` (the lock and a
 * booking's read of a day held as of a rev), alternating the two schemas batch by batch (30
 * batches each). Each call commits, as a unit does (the session without waiting for the WAL
 * flush): in one long transaction every call would add a version to the same doctor and day rows
 * that nobody could prune, and walking those chains became most of the time measured. Inside one
 * backend there are no round trips, so the figures are the functions' own work; the best batch
 * of a run drops preemption by other processes, the median keeps it. Per run it prints best and
 * median µs per call for each schema, and the backend's time on a CPU per call
 * (`/proc/<pid>/schedstat`, so the server must run on this machine; preemption does not count)
 * for the median batch; at the end, the median over runs of the on-CPU ratio of the first schema
 * to the second. Compare the runs pairwise.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const [first, second, runsArg] = process.argv.slice(2);
if (first === undefined || second === undefined) throw new Error('usage: bench/pg-functions.ts <checkout> <checkout> [runs]');
const RUNS = Number(runsArg ?? 6);
const DB_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PREFIX = process.env['FUNCTIONS_SCHEMA'] ?? 'opd_fn';
const DAY = '2030-01-02';

async function prepare(root: string, schema: string): Promise<void> {
  const core = (await import(pathToFileURL(`${root}/src/index.ts`).href)) as typeof import('../src/index.js');
  const wing = (await import(pathToFileURL(`${root}/src/postgres/index.ts`).href)) as typeof import('../src/postgres/index.js');
  const pool = new pg.Pool({ connectionString: DB_URL, max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await wing.migrate(pool, { schema });
  const opd = new core.OpdScheduler({ ...core.presets.standard(), storage: new wing.PostgresStorage({ db: pool, schema }) });
  await opd.addDoctor({ id: 'd0', name: 'Dr d0' });
  const slots = Array.from({ length: 16 }, (_, i) => {
    const start = Date.parse(`${DAY}T08:00:00Z`) + i * 30 * 60_000;
    return { id: `s${i}`, start: new Date(start), end: new Date(start + 30 * 60_000), capacity: 100, overflowCapacity: 2 };
  });
  await opd.addSlots('d0', slots);
  for (let n = 0; n < 40; n++) await opd.book({ doctorId: 'd0', category: 'ONLINE', patient: { id: `p${n}`, name: 'Patient' }, slotId: 's0' });
  await opd.close();
  await pool.end();
}

const schemas = [`${PREFIX}_0`, `${PREFIX}_1`] as const;
await prepare(first, schemas[0]);
await prepare(second, schemas[1]);

const client = new pg.Client({ connectionString: DB_URL });
await client.connect();
const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
// Each call commits (as a unit does), so that no row's chain of versions grows across calls; this
// session does not wait for the WAL flush, which is the same for both schemas and not the functions' work.
await client.query('SET synchronous_commit = off');
/** The backend's time on a CPU so far, in µs (`/proc/<pid>/schedstat`: the server runs on this machine). */
const onCpu = (): number => Number(readFileSync(`/proc/${backend}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
// Timers in the backend (temporary functions: gone with the session).
await client.query(`
CREATE PROCEDURE pg_temp.time_load(sch text, n int, INOUT us float8 DEFAULT NULL) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; r json;
BEGIN
  t0 := clock_timestamp();
  FOR i IN 1..n LOOP
    EXECUTE format('SELECT %I.opd_load($1, true, $2, $3)', sch) INTO r
      USING json_build_object('doctorId', 'd0', 'slotId', 's0', 'known', json_build_object('${DAY}', 1000000)), '5000', '30000';
    COMMIT;
  END LOOP;
  us := extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;
CREATE PROCEDURE pg_temp.time_write(sch text, n int, start int, INOUT us float8 DEFAULT NULL) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; r json; k int; tok json;
BEGIN
  t0 := clock_timestamp();
  FOR i IN 1..n LOOP
    k := start + i;
    tok := json_build_object('doctor_id', 'd0', 'day', '${DAY}', 'token_number', k, 'token_id', 'd0~${DAY}~' || k, 'slot_id', 's0',
      'waiting_for_slot_id', NULL, 'category', 'ONLINE', 'rank', 1, 'status', 'BOOKED', 'patient', json_build_object('id', 'x' || k, 'name', 'Patient'),
      'patient_id', 'x' || k, 'patient_guard', 'x' || k, 'requested_at', 1, 'bump_count', 0, 'placed_at', 1, 'not_before', NULL,
      'idempotency_key', NULL, 'cancel_reason', NULL, 'updated_at', 1, 'hold_expires_at', NULL, 'label', k::text);
    EXECUTE format('SELECT %I.opd_write($1, NULL, NULL, NULL, $2, $3, NULL, $4, NULL, $5, false)', sch) INTO r USING 'd0',
      json_build_array(json_build_object('doctor_id', 'd0', 'day', '${DAY}', 'last_token_number', k, 'bumps', 0, 'cascades', 0, 'promotions', 0,
        'drops', 0, 'label_counters', '{}'::json)),
      json_build_array(tok),
      json_build_array(json_build_object('type', 'token:booked', 'doctorId', 'd0', 'at', '2030-01-01T00:00:00.000Z', 'seq', 1, 'token', tok)),
      'bench:1';
    COMMIT;
  END LOOP;
  us := extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;`);

const BATCHES = 30;
const CALLS = 20;
const stats = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `best ${sorted[0]!.toFixed(1)} median ${sorted[sorted.length >> 1]!.toFixed(1)} µs`;
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
console.log(`${schemas[0]} = ${first}\n${schemas[1]} = ${second}\n(${BATCHES} batches of ${CALLS} calls per function, schema and run)`);
/** Per run, the median over batches of the backend's CPU per call (first schema over second). */
const ratios = { write: [] as number[], load: [] as number[] };
/** One batch: the timer's wall µs per call, and the backend's µs on a CPU per call (the batch's own query included). */
const batch = async (sql: string, values: unknown[]): Promise<[number, number]> => {
  const cpu0 = onCpu();
  const { rows } = await client.query<{ us: number }>(sql, values);
  return [rows[0]!.us, (onCpu() - cpu0) / CALLS];
};
for (let run = 1; run <= RUNS; run++) {
  const times = { write: [[], []] as number[][], load: [[], []] as number[][] };
  const cpu = { write: [[], []] as number[][], load: [[], []] as number[][] };
  for (let b = 0; b < BATCHES; b++) {
    const order = b % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const [us, onCpuUs] = await batch('CALL pg_temp.time_write($1, $2, $3)', [schemas[i], CALLS, 100_000 + ((run - 1) * BATCHES + b) * CALLS]);
      times.write[i]!.push(us);
      cpu.write[i]!.push(onCpuUs);
    }
    for (const i of order) {
      const [us, onCpuUs] = await batch('CALL pg_temp.time_load($1, $2)', [schemas[i], CALLS]);
      times.load[i]!.push(us);
      cpu.load[i]!.push(onCpuUs);
    }
  }
  ratios.write.push(median(cpu.write[0]!) / median(cpu.write[1]!));
  ratios.load.push(median(cpu.load[0]!) / median(cpu.load[1]!));
  console.log(
    `run ${run}: opd_write ${schemas[0]} ${stats(times.write[0]!)} | ${schemas[1]} ${stats(times.write[1]!)}; ` +
      `opd_load ${schemas[0]} ${stats(times.load[0]!)} | ${schemas[1]} ${stats(times.load[1]!)}\n` +
      `  on CPU (backend, median batch): opd_write ${median(cpu.write[0]!).toFixed(1)} | ${median(cpu.write[1]!).toFixed(1)} µs, ` +
      `opd_load ${median(cpu.load[0]!).toFixed(1)} | ${median(cpu.load[1]!).toFixed(1)} µs`,
  );
}
console.log(
  `median of the runs' on-CPU ratios (${schemas[0]} / ${schemas[1]}): opd_write ${median(ratios.write).toFixed(3)}, opd_load ${median(ratios.load).toFixed(3)}`,
);
for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await client.end();
