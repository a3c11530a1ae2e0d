import { setTimeout as sleep } from 'node:timers/promises';
import { isOpdError, type Effect, type OpdScheduler } from 'opd-scheduler';
import { integerOption, stringOption, type CommandSpec, type ParsedLine } from '../args.js';
import { parseDuration } from '../duration.js';
import { write, writeLine, type CliIo } from '../io.js';
import { withScheduler } from '../store.js';

/** `sweep`: no-shows and lapsed holds, once or `--every` interval. */
export const sweepSpec: CommandSpec = {
  name: 'sweep',
  summary: 'mark no-shows and release lapsed holds, once or every few minutes',
  usage: 'sweep [--every <duration>] [--grace-minutes <n>] [--actor <name>] <store>',
  help: `Marks as no-shows the booked patients whose slot started more than the grace period ago,
releases holds that have lapsed, and promotes waiting patients into the places freed. Writes one
JSON line per sweep to stdout: the time, how many changes of each kind, and the token ids
changed (never patient data).

  --every <duration>     sweep again every 30s, 5m, 1h, … until SIGTERM or SIGINT, which lets the
                         sweep in progress finish, then exits 0. A sweep that fails is logged
                         (its error code and the doctor-days that failed) and the next one runs.
  --grace-minutes <n>    minutes after a slot's start before a booked patient is a no-show
                         (default 15; use your application's noShowGraceMinutes)
  --actor <name>         who sweeps, stored with the events (such as sweep-job)`,
  options: { every: { type: 'string' }, 'grace-minutes': { type: 'string' }, actor: { type: 'string' } },
  positionals: [],
};

/** What one sweep changed: counts by event type, and the tokens concerned. */
function summary(effects: readonly Effect[]): { changes: number; counts: Record<string, number>; tokenIds: string[] } {
  const counts: Record<string, number> = {};
  const tokenIds = new Set<string>();
  for (const effect of effects) {
    counts[effect.type] = (counts[effect.type] ?? 0) + 1;
    if ('tokenId' in effect && typeof effect.tokenId === 'string') tokenIds.add(effect.tokenId);
  }
  return { changes: effects.length, counts, tokenIds: [...tokenIds] };
}

/**
 * One sweep, logged: `ok`, `failed` (some doctor-days failed; the next sweep retries them), or
 * `refused` (the sweep's own input, `--actor`, was refused: no later sweep would do better).
 */
async function sweepOnce(
  opd: OpdScheduler,
  io: CliIo,
  actor: string | undefined,
): Promise<{ readonly outcome: 'ok' | 'failed' | 'refused'; readonly error?: string }> {
  const at = (io.now ?? (() => new Date()))().toISOString();
  try {
    const effects = await opd.sweep(undefined, actor === undefined ? undefined : { actor });
    await writeLine(io.stdout, { time: at, command: 'sweep', ...summary(effects) });
    return { outcome: 'ok' };
  } catch (error) {
    // A failed sweep still changed the doctor-days that did not fail (details.effects).
    const details = isOpdError(error) ? error.details : {};
    const done = Array.isArray(details['effects']) ? (details['effects'] as Effect[]) : [];
    const code = isOpdError(error) ? error.code : 'UNEXPECTED';
    const message = error instanceof Error ? error.message : String(error);
    await writeLine(io.stdout, {
      time: at,
      command: 'sweep',
      ...summary(done),
      error: { code, message },
      ...(Array.isArray(details['failed']) ? { failed: details['failed'] } : {}),
    });
    const field = details['field'];
    const refused = isOpdError(error, 'VALIDATION_FAILED') && typeof field === 'string' && field.startsWith('opts');
    return { outcome: refused ? 'refused' : 'failed', error: `${code}: ${message}` };
  }
}

/** Runs `sweep`: once (exit code 1 when it failed), or every interval until the stop signal (exit code 0). */
export async function runSweep(line: ParsedLine, io: CliIo): Promise<number> {
  const every = stringOption(line, 'every');
  const interval = every === undefined ? undefined : parseDuration('--every', every);
  const grace = integerOption(line, 'grace-minutes', 1440);
  const actor = stringOption(line, 'actor');
  return withScheduler(line, io, grace === undefined ? {} : { noShowGraceMinutes: grace }, async (opd) => {
    if (interval === undefined) {
      const { outcome, error } = await sweepOnce(opd, io, actor);
      if (outcome === 'ok') return 0;
      await write(io.stderr, `opd-scheduler: ${error}\n`);
      return 1;
    }
    const signal = io.signal;
    while (signal?.aborted !== true) {
      const started = Date.now();
      const { outcome, error } = await sweepOnce(opd, io, actor);
      if (outcome === 'refused') {
        await write(io.stderr, `opd-scheduler: ${error}\n`);
        return 1;
      }
      try {
        await sleep(Math.max(0, started + interval - Date.now()), undefined, signal === undefined ? undefined : { signal });
      } catch {
        // Aborted while waiting: stop.
      }
    }
    return 0;
  });
}
