/**
 * How hard the suites work. `npm test` runs every suite at a contributor's intensity (fewer
 * property runs, shorter storms and fewer kill rounds, the docs site's snippets without its full
 * build); `npm run test:long` runs the long ones at full intensity (`vitest run --mode long`,
 * which sets `OPD_TEST_LONG=1`; see vitest.config.ts). `.ci/run` runs both.
 */
export const LONG = process.env['OPD_TEST_LONG'] === '1';

/** `quick` in a contributor's `npm test`, `long` in `npm run test:long`. */
export function intensity<T>(quick: T, long: T): T {
  return LONG ? long : quick;
}
