import { hmisCsv, hmisReturn, opdReport, REPORT_DIMENSIONS, reportCsv, reportHtml, type HmisMapping, type ReportDimension } from 'opd-scheduler/reports';
import { dateOption, integerOption, stringOption, type CommandSpec, type ParsedLine } from '../args.js';
import { UsageError } from '../errors.js';
import { readBounded, write, type CliIo } from '../io.js';
import { withScheduler } from '../store.js';

/** The largest mapping file read, in bytes. */
const MAX_MAPPING_BYTES = 1 << 20;
const FORMATS = ['json', 'csv', 'html'] as const;

/** `report`: the OPD's numbers over a range of days. */
export const reportSpec: CommandSpec = {
  name: 'report',
  summary: "write the OPD's numbers over a range of days (JSON, CSV or an HTML page)",
  usage: 'report --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--by <dimensions>] [--format json|csv|html] <store>',
  help: `Writes to stdout the OPD's numbers from the store's events, days local to --time-zone:
requests, bookings, attendance, no-shows, cancellations, drops, walk-in share, waits, lead times,
utilisation, elastic places and emergencies' time to the doctor, in total and by each dimension.
No patient data is written.

  --from <YYYY-MM-DD>       the first day (required)
  --to <YYYY-MM-DD>         the last day (required)
  --by <dimensions>         comma-separated, of ${REPORT_DIMENSIONS.join(', ')} (default: all)
  --format <format>         json (default), csv or html (one page with charts, for a browser)
  --table <name>            with --format csv: the table to write, a dimension of --by, total or hmis
                            (default: the first of --by)
  --lookback-days <n>       count new and repeat patients over this look-back
  --hmis-mapping <file>     a JSON file of the HMIS mapping (telemedicine, emergency, referralsOut,
                            dayHours): adds the HMIS return (to the JSON as "hmis", to the page)`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    by: { type: 'string' },
    format: { type: 'string' },
    table: { type: 'string' },
    'lookback-days': { type: 'string' },
    'hmis-mapping': { type: 'string' },
  },
  positionals: [],
};

function dimensions(line: ParsedLine): ReportDimension[] | undefined {
  const by = stringOption(line, 'by');
  if (by === undefined) return undefined;
  const list = by.split(',').map((d) => d.trim());
  for (const d of list) {
    if (!(REPORT_DIMENSIONS as readonly string[]).includes(d))
      throw new UsageError(`Expected \`--by\` to list some of ${REPORT_DIMENSIONS.join(', ')}`, line.command.name);
  }
  return list as ReportDimension[];
}

async function mappingOf(line: ParsedLine, io: CliIo): Promise<HmisMapping | undefined> {
  const file = stringOption(line, 'hmis-mapping');
  if (file === undefined) return undefined;
  const text = await readBounded(io.readFile(file), MAX_MAPPING_BYTES);
  if (text === undefined) throw new UsageError('Expected `--hmis-mapping` to name a JSON file of at most 1 MiB', line.command.name);
  try {
    return JSON.parse(text) as HmisMapping;
  } catch {
    throw new UsageError('Expected `--hmis-mapping` to name a JSON file', line.command.name);
  }
}

/** Runs `report`. */
export async function runReport(line: ParsedLine, io: CliIo): Promise<number> {
  const from = dateOption(line, 'from');
  const to = dateOption(line, 'to');
  if (from === undefined || to === undefined) throw new UsageError('Expected `--from <YYYY-MM-DD>` and `--to <YYYY-MM-DD>`', line.command.name);
  const by = dimensions(line);
  const format = stringOption(line, 'format') ?? 'json';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError('Expected `--format` to be json, csv or html', line.command.name);
  const table = stringOption(line, 'table');
  if (table !== undefined && format !== 'csv') throw new UsageError('`--table` applies to `--format csv` only', line.command.name);
  const lookbackDays = integerOption(line, 'lookback-days', 3660);
  const mapping = await mappingOf(line, io);
  return withScheduler(line, io, {}, async (opd) => {
    const report = await opdReport(opd, { from, to, ...(by === undefined ? {} : { by }), ...(lookbackDays === undefined ? {} : { lookbackDays }) });
    const hmis = mapping === undefined && table !== 'hmis' ? undefined : hmisReturn(report, { mapping: mapping ?? {} });
    if (format === 'json') await write(io.stdout, `${JSON.stringify(hmis === undefined ? report : { ...report, hmisReturn: hmis }, null, 2)}\n`);
    else if (format === 'html') await write(io.stdout, reportHtml(report, hmis === undefined ? {} : { hmis }));
    else {
      const name = table ?? report.by[0]!;
      if (name === 'hmis') await write(io.stdout, hmisCsv(hmis!));
      else if (name === 'total' || (report.by as readonly string[]).includes(name))
        await write(io.stdout, reportCsv(report, name as ReportDimension | 'total'));
      else throw new UsageError('Expected `--table` to be a dimension of `--by`, total or hmis', line.command.name);
    }
    return 0;
  });
}
