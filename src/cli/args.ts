/**
 * The command line, read with `node:util` `parseArgs`: the command (the first positional), the
 * options every command shares (the store and the scheduler), and the command's own.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

/** The options of `parseArgs`, by long name. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What one command takes and says about itself. */
export interface CommandSpec {
  /** The command, as typed. */
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** The synopsis, after `opd-scheduler`. */
  readonly usage: string;
  /** What it does, and its own options, for `--help`. */
  readonly help: string;
  /** Its own options. */
  readonly options: OptionsConfig;
  /** The positionals it takes after its name, by name (`import-rota <file.csv>`). */
  readonly positionals: readonly string[];
}

/** The options every command takes: where the store is, and how the scheduler runs. */
export const SHARED_OPTIONS = {
  'database-url': { type: 'string' },
  schema: { type: 'string' },
  'data-dir': { type: 'string' },
  'time-zone': { type: 'string' },
  preset: { type: 'string' },
  facility: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

/** The help of {@link SHARED_OPTIONS}. */
export const SHARED_HELP = `Store (one of):
  --database-url <url>   PostgreSQL connection string (default: $DATABASE_URL); needs the package pg
  --schema <name>        the schema of the tables (default: public)
  --data-dir <path>      a PGlite database in this folder; needs the package @electric-sql/pglite
Scheduler:
  --time-zone <zone>     IANA time zone of the hospital's local dates and times (default: UTC)
  --preset <name>        the allocation policy the hospital's application uses: standard (default),
                         cascade, waitlist or elastic; sweeps promote by it
  --facility <id>        the facility (hospital) of a store shared by many: the scheduler's
                         facilityId (default: default); the command reads and writes its rows only
  -h, --help             this help`;

/** A parsed command line. */
export interface ParsedLine {
  readonly command: CommandSpec;
  /** Every option given, by long name (strings and booleans). */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** The command's positionals, by the names of its spec. */
  readonly positionals: readonly string[];
}

/** What the first look at the command line found. */
export type LineRequest = { readonly kind: 'help'; readonly command: CommandSpec | undefined } | { readonly kind: 'run'; readonly line: ParsedLine };

/**
 * Reads a command line.
 * @throws UsageError for no command, an unknown one, an unknown option, a missing value or a wrong
 *   number of positionals
 */
export function readLine(argv: readonly string[], commands: readonly CommandSpec[]): LineRequest {
  // A first, lenient pass over every option any command knows, so that an option's value is
  // never taken for the command; then the strict pass with the command's own options.
  const all: OptionsConfig = { ...SHARED_OPTIONS };
  for (const c of commands) Object.assign(all, c.options);
  const first = parseArgs({ args: [...argv], options: all, allowPositionals: true, strict: false });
  const name = first.positionals[0];
  const wantsHelp = first.values['help'] === true;
  if (name === undefined) {
    if (wantsHelp) return { kind: 'help', command: undefined };
    throw new UsageError('Expected a command');
  }
  if (name === 'help') {
    const topic = first.positionals[1];
    return { kind: 'help', command: topic === undefined ? undefined : commandNamed(topic, commands) };
  }
  const command = commandNamed(name, commands);
  if (wantsHelp) return { kind: 'help', command };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...SHARED_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), command.name);
  }
  const positionals = parsed.positionals.slice(1);
  if (positionals.length !== command.positionals.length) {
    const expected = command.positionals.length === 0 ? 'no arguments' : command.positionals.map((p) => `<${p}>`).join(' ');
    throw new UsageError(
      `\`${command.name}\` takes ${expected}, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `\`${p}\``).join(' ')}`,
      command.name,
    );
  }
  return { kind: 'run', line: { command, values: parsed.values as ParsedLine['values'], positionals } };
}

function commandNamed(name: string, commands: readonly CommandSpec[]): CommandSpec {
  const command = commands.find((c) => c.name === name);
  if (command === undefined) throw new UsageError(`Unknown command \`${name}\`; the commands are ${commands.map((c) => c.name).join(', ')}`);
  return command;
}

/** A string option's value, or `undefined` when not given. */
export function stringOption(line: ParsedLine, name: string): string | undefined {
  const value = line.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A boolean option: whether it was given. */
export function flag(line: ParsedLine, name: string): boolean {
  return line.values[name] === true;
}

/**
 * A non-negative integer option (`--after`, `--grace-minutes`), or `undefined` when not given.
 * @throws UsageError naming the option
 */
export function integerOption(line: ParsedLine, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = stringOption(line, name);
  if (text === undefined) return undefined;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value <= max)) throw new UsageError(`Expected \`--${name}\` to be an integer from 0 to ${max}, got \`${text}\``, line.command.name);
  return value;
}

/**
 * A date option `YYYY-MM-DD`, or `undefined` when not given.
 * @throws UsageError naming the option
 */
export function dateOption(line: ParsedLine, name: string): string | undefined {
  const text = stringOption(line, name);
  if (text === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`)) || new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text) {
    throw new UsageError(`Expected \`--${name}\` to be a date YYYY-MM-DD, got \`${text}\``, line.command.name);
  }
  return text;
}
