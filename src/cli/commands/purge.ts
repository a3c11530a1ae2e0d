import { integerOption, stringOption, type CommandSpec, type ParsedLine } from '../args.js';
import { UsageError } from '../errors.js';
import { writeLine, type CliIo } from '../io.js';
import { withScheduler } from '../store.js';

/** `purge`: erase the patient data of tokens whose day ended more than `--days` days ago. */
export const purgeSpec: CommandSpec = {
  name: 'purge',
  summary: 'erase the patient data of days that ended more than --days days ago',
  usage: 'purge --days <n> [--actor <name>] <store>',
  help: `Erases, as erasePatient does, the patient data of every token whose day ended more than
<n> days ago (the retention option's patientDataDays): each token's patient becomes the tombstone,
its ids, numbers, statuses and times stay, and a patient:erased event is stored for it. Writes one
JSON line to stdout: the time, how many tokens were erased, and their ids (never patient data).
Run it daily. On PostgreSQL, old row versions stay on disk until VACUUM (see docs/patient-data.md).

  --days <n>             days after a token's day ends before its patient data is erased (0 to 36500)
  --actor <name>         who purges, stored with the events (such as retention-job)`,
  options: { days: { type: 'string' }, actor: { type: 'string' } },
  positionals: [],
};

/** Runs `purge` once. */
export async function runPurge(line: ParsedLine, io: CliIo): Promise<number> {
  const days = integerOption(line, 'days', 36_500);
  if (days === undefined) throw new UsageError('Expected `--days <n>`: how many days patient data is kept after a token’s day ends', line.command.name);
  const actor = stringOption(line, 'actor');
  return withScheduler(line, io, { retention: { patientDataDays: days } }, async (opd) => {
    const at = (io.now ?? (() => new Date()))();
    const { tokenIds } = await opd.purge(undefined, actor === undefined ? undefined : { actor });
    await writeLine(io.stdout, { time: at.toISOString(), command: 'purge', erased: tokenIds.length, tokenIds });
    return 0;
  });
}
