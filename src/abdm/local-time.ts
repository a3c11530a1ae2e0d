/**
 * The times of UHI messages as NHA publishes them: local wall times of the facility without a
 * zone (`2026-04-16T10:00:00`), read and written in the scheduler's time zone. An instant with a
 * zone (`…Z`, `…+05:30`) is read as the instant it names.
 */
import { invalid } from '../errors.js';
import { wallTimeResolver } from '../time.js';

/** @internal Local wall times of one time zone, read and written. */
export interface LocalTimes {
  /** The local wall time of an instant, `YYYY-MM-DDTHH:mm:ss`, no zone. */
  format(date: Date): string;
  /** The instant of a wall time (the first where it occurs twice, the next hour where it is skipped), or of an instant with a zone. */
  parse(path: string, value: string): Date;
}

const ZONED = /(?:Z|[+-]\d\d:?\d\d)$/i;
const WALL = /^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?$/;

/** @internal The local times of `timeZone`. */
export function localTimes(timeZone: string): LocalTimes {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const resolve = wallTimeResolver(timeZone);
  return {
    format(date) {
      const p: Record<string, string> = {};
      for (const part of format.formatToParts(date)) if (part.type !== 'literal') p[part.type] = part.value;
      return `${p['year']}-${p['month']}-${p['day']}T${p['hour']}:${p['minute']}:${p['second']}`;
    },
    parse(path, value) {
      const match = ZONED.test(value) ? null : WALL.exec(value);
      if (match === null) {
        const date = new Date(value);
        if (!ZONED.test(value) || Number.isNaN(date.getTime()))
          throw invalid(path, `Expected \`${path}\` as a local time (YYYY-MM-DDTHH:mm:ss) or an ISO 8601 instant`);
        return date;
      }
      const [, day, hh, mm, ss, fraction] = match;
      const minute = Number(hh) * 60 + Number(mm);
      if (Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 59 || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))
        throw invalid(path, `Expected \`${path}\` as a local time (YYYY-MM-DDTHH:mm:ss) or an ISO 8601 instant`);
      const at = resolve(day as string, minute)[0] ?? resolve(day as string, minute + 60)[0];
      if (at === undefined) throw invalid(path, `Expected \`${path}\` as a time that occurs in the facility's time zone`);
      return new Date(at + Number(ss ?? 0) * 1000 + Math.floor(Number(`0.${fraction ?? '0'}`) * 1000));
    },
  };
}
