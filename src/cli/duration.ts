import { UsageError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

/** The longest interval `--every` takes: a day (a timer of more than 2^31 ms would fire at once). */
const MAX_MS = 86_400_000;

/**
 * A duration such as `30s`, `5m` or `1h` (a positive integer and a unit), in milliseconds, from
 * one second to one day.
 * @throws UsageError naming the option for anything else
 */
export function parseDuration(option: string, text: string): number {
  const match = /^(\d{1,6})([smh])$/.exec(text);
  const ms = match === null ? Number.NaN : Number(match[1]) * UNITS[match[2]!]!;
  if (!(ms >= 1000 && ms <= MAX_MS)) {
    throw new UsageError(`Expected \`${option}\` to be a duration such as 30s, 5m or 1h, from 1s to 24h, got \`${text}\``);
  }
  return ms;
}
