/**
 * The model is the one place records, statuses, queue order and estimates are defined; the core
 * depends on it and on no adapter.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOKEN_STATUSES } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { estimatedStart } from '../../src/model/queue.js';
import { ACTIVE_STATUSES, isActiveStatus, isLiveStatus, isPlaceStatus, LIVE_STATUSES, PLACE_STATUSES } from '../../src/model/status.js';
import { ACTIVE, ANY_STATUS, LIVE, PLACE } from '../../src/postgres/schema.js';

const root = fileURLToPath(new URL('../../src', import.meta.url));

function importsOf(dir: string): { file: string; from: string }[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    if (!name.endsWith('.ts')) return [];
    const text = readFileSync(join(root, dir, name), 'utf8');
    return [...text.matchAll(/from '([^']+)'/g)].map((m) => ({ file: `${dir}/${name}`, from: m[1]! }));
  });
}

describe('the model', () => {
  it('the core and the model import no adapter code', () => {
    const adapterImports = [...importsOf('core'), ...importsOf('model')].filter(({ from }) => /(^|\/)(storage|postgres|testing)\//.test(from));
    expect(adapterImports).toEqual([]);
  });

  it('the model imports nothing from the core', () => {
    expect(importsOf('model').filter(({ from }) => from.includes('/core/'))).toEqual([]);
  });

  it('defines each status set once, and the SQL lists are those sets', () => {
    expect(PLACE_STATUSES).toEqual(['BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'HELD']);
    expect(LIVE_STATUSES).toEqual(['BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION', 'HELD']);
    expect(ACTIVE_STATUSES).toEqual(['BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'HELD']);
    for (const status of TOKEN_STATUSES) {
      expect(PLACE.includes(`'${status}'`), `${status} in PLACE`).toBe(isPlaceStatus(status));
      expect(LIVE.includes(`'${status}'`), `${status} in LIVE`).toBe(isLiveStatus(status));
      expect(ACTIVE.includes(`'${status}'`), `${status} in ACTIVE`).toBe(isActiveStatus(status));
      expect(ANY_STATUS.includes(`'${status}'`), `${status} in ANY_STATUS`).toBe(true);
    }
    expect(ANY_STATUS).toBe(`(${TOKEN_STATUSES.map((s) => `'${s}'`).join(',')})`);
  });

  it('estimates a start one consultation per place ahead', () => {
    const nine = Date.UTC(2026, 0, 30, 9);
    expect(estimatedStart(nine, 1, 10)).toBe(nine);
    expect(estimatedStart(nine, 4, 10)).toBe(nine + 30 * 60_000);
  });
});
