import { migrate, migrationSql } from 'opd-scheduler/postgres';
import { flag, stringOption, type CommandSpec, type ParsedLine } from '../args.js';
import { UsageError } from '../errors.js';
import { write, type CliIo } from '../io.js';
import { openDb, requiredStore, storeLocation } from '../store.js';

/** `migrate`: create or upgrade the tables, or print their SQL. */
export const migrateSpec: CommandSpec = {
  name: 'migrate',
  summary: 'create or upgrade the tables and functions (or print their SQL for a DBA)',
  usage: 'migrate [--print-sql] [--row-level-security] <store>',
  help: `Creates or upgrades the tables and SQL functions of the store in its schema, in one
transaction; safe to run from several processes at once, and again (nothing is applied twice).

  --print-sql            write the SQL that migrate would run to stdout instead of running it,
                         for a DBA to run (psql -v ON_ERROR_STOP=1 -f opd.sql). With a store, its
                         versions are read (nothing is changed) and only what is missing is
                         printed; without one, the script for a new schema.
  --row-level-security   also enable row-level security on every table of a facility's data,
                         with the policy that lets a session read and write only the rows of the
                         facility it set (opd.facility_id, which the library sets in each of its
                         transactions); run as the tables' owner, and connect the application as
                         a role subject to it. Applied again on each run with the option.

The tables hold every facility of the store: migrate takes no --facility.`,
  options: { 'print-sql': { type: 'boolean' }, 'row-level-security': { type: 'boolean' } },
  positionals: [],
};

/** Runs `migrate`; `--print-sql` reads the store (when one is given) and changes nothing. */
export async function runMigrate(line: ParsedLine, io: CliIo): Promise<number> {
  if (stringOption(line, 'facility') !== undefined) {
    throw new UsageError('`migrate` takes no `--facility`: the tables it creates hold every facility of the store', line.command.name);
  }
  const schema = storeLocation(line, io).schema;
  const options = { ...(schema === undefined ? {} : { schema }), ...(flag(line, 'row-level-security') ? { rowLevelSecurity: true } : {}) };
  if (flag(line, 'print-sql')) {
    const location = storeLocation(line, io);
    if (location.kind === 'none') {
      await write(io.stdout, await migrationSql(null, options));
      return 0;
    }
    const open = await openDb(location, io);
    try {
      await write(io.stdout, await migrationSql(open.db, options));
    } finally {
      await open.close();
    }
    return 0;
  }
  const open = await openDb(requiredStore(line, io), io);
  try {
    const result = await migrate(open.db, options);
    const applied = result.applied.length === 0 ? 'already up to date' : `applied ${result.applied.join(', ')}`;
    await write(io.stdout, `Schema ${result.schema}: version ${result.version} (${applied})\n`);
  } finally {
    await open.close();
  }
  return 0;
}
