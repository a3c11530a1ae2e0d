import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import { describeStorageConformance } from 'opd-scheduler/testing';
import { SERIES_KIND } from './series-kind.js';
import { pgliteOfFile } from '../pglite.js';

// One in-process database for the file, a fresh schema for each test.
const pglite = pgliteOfFile();
let n = 0;

describeStorageConformance(
  'PostgresStorage on PGlite',
  async () => {
    const schema = `opd_t_conf_${++n}`;
    const db = await pglite();
    await migrate(db, { schema });
    return {
      storage: new PostgresStorage({ db, schema }),
      share: async () => new PostgresStorage({ db, schema }),
      cleanup: async () => void (await db.exec(`DROP SCHEMA ${schema} CASCADE`)),
    };
  },
  {
    capabilities: { tail: true, shared: true, multiDoctor: true, patientTokens: true, patientData: true, facilities: true },
    claimKinds: [SERIES_KIND],
    // The suite's limit (a guard against a hang): each test migrates a fresh schema, which on a loaded machine takes seconds.
    timeout: 300_000,
  },
);
