/**
 * Benchmark options: flags read with `node:util` `parseArgs` (`--runs 7`, `--seconds=5`), each
 * falling back to its environment variable (`BENCH_RUNS`, …), then to the default.
 */
import { parseArgs } from 'node:util';

/** One numeric option: its flag, the variable it falls back to, its default. */
export interface NumberOption {
  readonly env: string;
  readonly default: number;
  readonly description: string;
}

/**
 * Reads whole-number options from the command line and the environment; `--help` prints them
 * and exits. An unknown flag or a value that is not a whole number above 0 stops the benchmark.
 */
export function benchOptions<K extends string>(name: string, spec: Readonly<Record<K, NumberOption>>, argv = process.argv.slice(2)): Record<K, number> {
  const keys = Object.keys(spec) as K[];
  const { values } = parseArgs({
    args: argv,
    options: { ...Object.fromEntries(keys.map((key) => [key, { type: 'string' as const }])), help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values['help'] === true) {
    console.log(
      `Usage: npm run ${name} -- [flags]\n\n${keys.map((k) => `  --${k} <n>`.padEnd(22) + `${spec[k].description} (${spec[k].env}, default ${spec[k].default})`).join('\n')}`,
    );
    process.exit(0);
  }
  const out = {} as Record<K, number>;
  for (const key of keys) {
    const given = (values as Record<string, unknown>)[key] ?? process.env[spec[key].env];
    const value = given === undefined || given === '' ? spec[key].default : Number(given);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${key} (${spec[key].env}) must be a whole number above 0, got ${String(given)}`);
    out[key] = value;
  }
  return out;
}

/** The median of some measurements. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
