/**
 * The SQL functions of the adapter. They hold no data: `migrate` (re)creates them with
 * `CREATE OR REPLACE` whenever the package's version of them is newer than the schema's
 * (`FUNCTIONS_VERSION`), without touching a table. Every value reaches them as a bind parameter.
 */
import { loadFunctionsSql } from './functions/load.js';
import { readFunctionsSql } from './functions/reads.js';
import { refusalFunctionsSql, writeFunctionsSql } from './functions/write.js';
import type { SchemaName } from './schema.js';

/** Raise when the functions change; `migrate` then replaces them. */
export const FUNCTIONS_VERSION = 37;

/** Every function, for a schema. */
export function functionsSql(schema: SchemaName): string {
  return refusalFunctionsSql(schema) + readFunctionsSql(schema) + loadFunctionsSql(schema) + writeFunctionsSql(schema);
}
