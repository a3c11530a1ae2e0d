import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import { describeStorageConformance } from 'opd-scheduler/testing';
import { SERIES_KIND } from './series-kind.js';
import pg from 'pg';
import { afterAll } from 'vitest';

const url = process.env['DATABASE_URL'];
// A fresh schema for each test, named after this process so that parallel runs never meet.
const pool = url === undefined || url === '' ? undefined : new pg.Pool({ connectionString: url, max: 12 });
let n = 0;
afterAll(() => pool?.end());

describeStorageConformance(
  'PostgresStorage on a PostgreSQL server',
  async () => {
    const schema = `opd_t_conf_${process.pid}_${++n}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool!, { schema });
    return {
      storage: new PostgresStorage({ db: pool!, schema }),
      // As another process would: its own adapter, listening for what the others commit.
      share: async () => new PostgresStorage({ db: pool!, schema, listen: true }),
      cleanup: async () => void (await pool!.query(`DROP SCHEMA ${schema} CASCADE`)),
    };
  },
  pool === undefined
    ? { skip: 'DATABASE_URL is not set; set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run against a server' }
    : {
        capabilities: { tail: true, shared: true, subscribe: true, multiDoctor: true, patientTokens: true, patientData: true, facilities: true },
        claimKinds: [SERIES_KIND],
        // The suite's limit (a guard against a hang): each test migrates a fresh schema, which on a loaded machine takes seconds.
        timeout: 300_000,
      },
);
