/** SMS encodings and segments: GSM-7 (160 characters a message, 153 a part) and UCS-2 (70, 67). */

/** How an SMS is encoded: the GSM 7-bit alphabet, or UCS-2 as soon as one character is outside it. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

// GSM 03.38 basic character set, and the extension table (each of its characters takes two septets).
const GSM_BASIC: ReadonlySet<string> = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED: ReadonlySet<string> = new Set('^{}\\[~]|€\f');

/** Whether a character (one code point) is in the GSM-7 alphabet, basic or extended. */
export function isGsm7(char: string): boolean {
  return GSM_BASIC.has(char) || GSM_EXTENDED.has(char);
}

/** The encoding, length in its units (septets or UTF-16 code units) and segments of an SMS text. */
export interface SmsSize {
  /** The encoding the whole message needs. */
  readonly encoding: SmsEncoding;
  /** Its length in the encoding's units. */
  readonly units: number;
  /** The messages it is sent as: one up to 160 septets (70 UCS-2), else parts of 153 (67). */
  readonly segments: number;
}

/**
 * The encoding and segments of an SMS text.
 *
 * @example
 * ```ts
 * import { smsSize } from 'opd-scheduler/notices';
 *
 * smsSize('Token 12').encoding; // 'GSM-7'
 * smsSize('टोकन 12').encoding; // 'UCS-2'
 * ```
 */
export function smsSize(text: string): SmsSize {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (GSM_BASIC.has(char)) septets += 1;
    else if (GSM_EXTENDED.has(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM-7', units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  // UCS-2 counts UTF-16 code units; a character outside the BMP takes two.
  const units = text.length;
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
