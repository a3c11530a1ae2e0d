import { PostgresStorage } from 'opd-scheduler/postgres';
import { describeStorageConformance } from 'opd-scheduler/testing';
import { SERIES_KIND } from './series-kind.js';
import { pgliteOfFile } from '../pglite.js';
import { migratedSchemas } from './stores.js';

// One in-process database for the file, a freshly migrated schema for each test (emptied to
// what migrate left in it between tests: the same, at a fraction of the cost).
const schemas = migratedSchemas(pgliteOfFile(), 'opd_t_conf');

describeStorageConformance(
  'PostgresStorage on PGlite',
  async () => {
    const { db, schema } = await schemas.take();
    return {
      storage: new PostgresStorage({ db, schema }),
      share: async () => new PostgresStorage({ db, schema }),
      cleanup: async () => schemas.giveBack(schema),
    };
  },
  {
    capabilities: { tail: true, shared: true, multiDoctor: true, patientTokens: true, patientData: true, facilities: true },
    claimKinds: [SERIES_KIND],
    // The suite's limit (a guard against a hang): a test may migrate a fresh schema, which on a loaded machine takes seconds.
    timeout: 300_000,
  },
);
