/**
 * The operator's command line, `opd-scheduler <command> [options]`: `main` reads the command line,
 * runs the command, and answers with an exit code — 0 done, 1 an operational failure (reported
 * with its code and message, never patient data), 2 a command line it cannot run.
 */
import { isOpdError } from 'opd-scheduler';
import { readLine, SHARED_HELP, type CommandSpec, type ParsedLine } from './args.js';
import { CliFailure, UsageError } from './errors.js';
import { write, type CliIo } from './io.js';
import { exportFhirSpec, runExportFhir } from './commands/export-fhir.js';
import { exportHistorySpec, runExportHistory } from './commands/export-history.js';
import { importRotaSpec, runImportRota } from './commands/import-rota.js';
import { migrateSpec, runMigrate } from './commands/migrate.js';
import { runStatus, statusSpec } from './commands/status.js';
import { runSweep, sweepSpec } from './commands/sweep.js';
import { purgeSpec, runPurge } from './commands/purge.js';
import { reportSpec, runReport } from './commands/report.js';

export type { CliIo, CliOutput } from './io.js';

/** Every command, in the order of the help, with what runs it. */
const COMMANDS: readonly { readonly spec: CommandSpec; readonly run: (line: ParsedLine, io: CliIo) => Promise<number> }[] = [
  { spec: migrateSpec, run: runMigrate },
  { spec: sweepSpec, run: runSweep },
  { spec: exportHistorySpec, run: runExportHistory },
  { spec: exportFhirSpec, run: runExportFhir },
  { spec: importRotaSpec, run: runImportRota },
  { spec: statusSpec, run: runStatus },
  { spec: purgeSpec, run: runPurge },
  { spec: reportSpec, run: runReport },
];

const SPECS = COMMANDS.map((c) => c.spec);

/** The help of the whole command line, or of one command. */
export function helpText(command?: CommandSpec): string {
  if (command !== undefined) {
    return `Usage: opd-scheduler ${command.usage}\n\n${command.help}\n\n${SHARED_HELP}\n`;
  }
  const width = Math.max(...SPECS.map((c) => c.name.length));
  const list = SPECS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: opd-scheduler <command> [options]

Runs the opd-scheduler store of a hospital's application: migrations, sweeps, exports, rotas, reports.

Commands:
${list}

${SHARED_HELP}

Run \`opd-scheduler <command> --help\` for a command's own options.
`;
}

/**
 * Runs one command line.
 * @param argv - the arguments after the program's name
 * @param io - the streams, environment, stop signal and file reader of the run
 * @returns the exit code: 0 done, 1 an operational failure, 2 a usage error
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let commandName: string | undefined;
  try {
    const request = readLine(argv, SPECS);
    if (request.kind === 'help') {
      await write(io.stdout, helpText(request.command));
      return 0;
    }
    const { line } = request;
    commandName = line.command.name;
    const command = COMMANDS.find((c) => c.spec === line.command)!;
    return await command.run(line, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command ?? commandName;
      await write(io.stderr, `opd-scheduler: ${error.message}\nRun \`opd-scheduler ${help === undefined ? '' : `${help} `}--help\` for usage.\n`);
      return 2;
    }
    await write(io.stderr, `opd-scheduler: ${describeFailure(error)}\n`);
    return 1;
  }
}

/** A failure as `CODE: message`: the library's and the CLI's own carry no patient data. */
function describeFailure(error: unknown): string {
  if (isOpdError(error) || error instanceof CliFailure) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
