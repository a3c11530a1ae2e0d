/** The printed token slip: its fields, its lines and its receipt markup, with no patient data. */
import type { Token } from '../types.js';
import { invalid } from '../errors.js';
import { expectLanguage, type NoticeLanguage } from './languages.js';

/** One line of a slip. */
export interface SlipLine {
  /** The text. */
  readonly text: string;
  /** `2` for the label, printed double size; `1` otherwise. */
  readonly size: 1 | 2;
  /** Where it sits. */
  readonly align: 'left' | 'center';
  /** Its script: a printer prints Latin as text and Devanagari as an image. */
  readonly script: 'latin' | 'devanagari';
}

/** The fields of a token slip. None is patient data. */
export interface SlipFields {
  /** The facility's name, or `null`. */
  readonly facility: string | null;
  /** The department, or `null`. */
  readonly department: string | null;
  /** The doctor's name, or `null`. */
  readonly doctor: string | null;
  /** The room, or `null`. */
  readonly room: string | null;
  /** The token label. */
  readonly label: string;
  /** The day, `YYYY-MM-DD`. */
  readonly day: string;
  /** When to report by, `HH:MM` in the time zone, or `null`. */
  readonly reportBy: string | null;
}

/** A token slip, ready for a printer (`renderEscPos` in `opd-scheduler/print`) or a screen. */
export interface SlipDocument {
  /** Its language. */
  readonly language: NoticeLanguage;
  /** Its fields. */
  readonly fields: SlipFields;
  /**
   * The QR code's payload: `OPD1|<facilityId>|<tokenId>|<day>|<label>`. The ids of the token and
   * the facility, never the patient's name, id or any other patient field.
   */
  readonly qr: string;
  /** The lines, top to bottom. */
  readonly lines: readonly SlipLine[];
  /** The slip as ReceiptLine markup (`^^` double size, `{code:…}` the QR code). */
  readonly markup: string;
}

/** Options of {@link ticketDocument}. */
export interface TicketDocumentOptions {
  /** The language. */
  readonly language: NoticeLanguage;
  /** The facility's name. */
  readonly facility?: string | undefined;
  /** The department. */
  readonly department?: string | undefined;
  /** The doctor's name. */
  readonly doctorName?: string | undefined;
  /** The room. */
  readonly room?: string | undefined;
  /**
   * When to report by.
   *
   * @defaultValue the token's `estimatedStart`, when it has one
   */
  readonly reportBy?: Date | undefined;
  /**
   * The time zone of the report-by time.
   *
   * @defaultValue `'UTC'`
   */
  readonly timeZone?: string | undefined;
}

const WORDS = {
  en: { token: 'Token', doctor: 'Doctor', room: 'Room', department: 'Department', date: 'Date', reportBy: 'Report by' },
  hi: { token: 'टोकन', doctor: 'डॉक्टर', room: 'कमरा', department: 'विभाग', date: 'दिनांक', reportBy: 'पहुँचने का समय' },
} as const satisfies Record<NoticeLanguage, Record<string, string>>;

const DEVANAGARI = /[\u0900-\u097F\uA8E0-\uA8FF]/;

/**
 * The slip of a token: facility, department, doctor, room, label, day, report-by time and a QR
 * payload, in a language. It reads the token's label, day and ids; never its `patient`.
 *
 * @throws OpdError `VALIDATION_FAILED` for a bad language or time zone
 *
 * @example
 * ```ts
 * import type { Token } from 'opd-scheduler';
 * import { ticketDocument } from 'opd-scheduler/notices';
 *
 * declare const token: Token;
 * const slip = ticketDocument(token, { language: 'hi', facility: 'City Hospital', room: '4' });
 * slip.lines.map((line) => line.text);
 * ```
 */
export function ticketDocument(token: Token, options: TicketDocumentOptions): SlipDocument {
  const language = expectLanguage('language', (options as { language?: unknown } | undefined)?.language);
  const words = WORDS[language];
  const at = options.reportBy ?? token.estimatedStart ?? undefined;
  let reportBy: string | null = null;
  if (at !== undefined) {
    try {
      reportBy = new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone ?? 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
    } catch {
      throw invalid('timeZone', 'Expected `timeZone` to be an IANA time zone');
    }
  }
  const fields: SlipFields = Object.freeze({
    facility: options.facility ?? null,
    department: options.department ?? null,
    doctor: options.doctorName ?? null,
    room: options.room ?? null,
    label: token.label,
    day: token.day,
    reportBy,
  });
  const lines: SlipLine[] = [];
  const line = (text: string, size: 1 | 2 = 1, align: 'left' | 'center' = 'left'): void => {
    lines.push(Object.freeze({ text, size, align, script: DEVANAGARI.test(text) ? 'devanagari' : 'latin' }));
  };
  if (fields.facility !== null) line(fields.facility, 1, 'center');
  if (fields.department !== null) line(`${words.department}: ${fields.department}`, 1, 'center');
  line(words.token, 1, 'center');
  line(fields.label, 2, 'center');
  if (fields.doctor !== null) line(`${words.doctor}: ${fields.doctor}`);
  if (fields.room !== null) line(`${words.room}: ${fields.room}`);
  line(`${words.date}: ${fields.day}`);
  if (fields.reportBy !== null) line(`${words.reportBy}: ${fields.reportBy}`);
  const qr = ['OPD1', token.facilityId, token.id, token.day, token.label].join('|');
  const markup = [...lines.map((l) => `${l.size === 2 ? '^^' : ''}${escapeMarkup(l.text)}`), `{code:${escapeMarkup(qr)}; option:qrcode,4,m}`].join('\n');
  return Object.freeze({ language, fields, qr, lines: Object.freeze(lines), markup });
}

/** Escapes ReceiptLine's special characters in a text. */
function escapeMarkup(text: string): string {
  return text.replace(/[\\|{}~_"`^]/g, (char) => `\\${char}`);
}
