/**
 * The token slip: no patient data in it or its QR payload; printed as ESC/POS with Latin lines as
 * text and Devanagari lines as raster images; drawn at the printer's dot width (384 at 58 mm, 576
 * at 80 mm) and matching the reference PNGs of test/fixtures/notices (made once with
 * UPDATE_GOLDEN=1; compared pixel by pixel with a small tolerance for font rendering).
 * Needs Debian's fonts-noto-core (installed by .ci/run).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SLIP_FONT, slipsDrawable } from '../../helpers.js';
import { fileURLToPath } from 'node:url';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { OpdScheduler, isOpdError, type Token } from 'opd-scheduler';
import { ticketDocument, type SlipDocument } from 'opd-scheduler/notices';
import { PRINT_DOTS, renderEscPos, renderSlipImage } from 'opd-scheduler/print';
import { beforeAll, describe, expect, it } from 'vitest';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/notices/${name}`, import.meta.url));
if (!slipsDrawable) console.warn(`[print] ${SLIP_FONT} is missing: slip drawings skipped (apt-get install fonts-noto-core; in CI they fail instead).`);

let token: Token;
let hindi: SlipDocument;
let english: SlipDocument;

beforeAll(async () => {
  const opd = new OpdScheduler({ clock: () => new Date('2026-01-30T08:00:00Z'), numbering: 'category', timeZone: 'Asia/Kolkata' });
  await opd.addDoctor({ id: 'd1', name: 'Dr Asha Rao' });
  await opd.addSlots('d1', [{ id: 's1', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 10 }]);
  for (let i = 0; i < 11; i++)
    ({ token } = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: `ABHA-${i}`, name: `Meena Kumari ${i}`, phone: '+919800000000' } }));
  const where = { facility: 'City Hospital', department: 'Medicine', room: '4', timeZone: 'Asia/Kolkata', reportBy: new Date('2026-01-30T09:30:00Z') };
  hindi = ticketDocument(token, { language: 'hi', doctorName: 'डॉ. आशा राव', ...where });
  english = ticketDocument(token, { language: 'en', doctorName: 'Dr Asha Rao', ...where });
  await opd.close();
});

describe('ticketDocument', () => {
  it('gives the fields of the slip in the language, and no patient data anywhere', () => {
    expect(hindi.fields).toEqual({
      facility: 'City Hospital',
      department: 'Medicine',
      doctor: 'डॉ. आशा राव',
      room: '4',
      label: token.label,
      day: '2026-01-30',
      reportBy: '15:00',
    });
    expect(hindi.lines.map((line) => [line.text, line.script])).toEqual([
      ['City Hospital', 'latin'],
      ['विभाग: Medicine', 'devanagari'],
      ['टोकन', 'devanagari'],
      [token.label, 'latin'],
      ['डॉक्टर: डॉ. आशा राव', 'devanagari'],
      ['कमरा: 4', 'devanagari'],
      ['दिनांक: 2026-01-30', 'devanagari'],
      ['पहुँचने का समय: 15:00', 'devanagari'],
    ]);
    expect(english.lines.every((line) => line.script === 'latin')).toBe(true);
    expect(hindi.qr).toBe(`OPD1|default|${token.id}|2026-01-30|${token.label}`);
    const all = JSON.stringify([hindi, english]);
    for (const value of ['Meena', 'ABHA-', '+9198']) expect(all).not.toContain(value);
    expect(hindi.markup).toContain(`^^${token.label}`);
    expect(hindi.markup).toContain('option:qrcode');
  });
});

describe.skipIf(!slipsDrawable)('printing the slip', () => {
  it('prints ESC/POS: Latin lines as text, Devanagari lines as raster images, then the QR code and a cut', async () => {
    for (const width of [58, 80] as const) {
      const bytes = Buffer.from(await renderEscPos(hindi, { width }));
      expect([...bytes.subarray(0, 2)]).toEqual([0x1b, 0x40]);
      expect(bytes.includes(Buffer.from('City Hospital'))).toBe(true);
      expect(bytes.includes(Buffer.from(token.label))).toBe(true);
      // GS v 0: a raster image, one per Devanagari line, as wide as the paper (width in bytes).
      const raster = Buffer.from([0x1d, 0x76, 0x30, 0x00, PRINT_DOTS[width] / 8, 0x00]);
      let images = 0;
      for (let at = bytes.indexOf(raster); at >= 0; at = bytes.indexOf(raster, at + 1)) images++;
      expect(images).toBe(6);
      expect(bytes.includes(Buffer.from('टोकन'))).toBe(false);
      expect(bytes.includes(Buffer.from(hindi.qr))).toBe(true);
      expect(bytes.includes(Buffer.from([0x1d, 0x56]))).toBe(true);
    }
    const latin = Buffer.from(await renderEscPos(english, { width: 80 }));
    expect(latin.includes(Buffer.from([0x1d, 0x76, 0x30]))).toBe(false);
    expect(latin.includes(Buffer.from('Report by: 15:00'))).toBe(true);
  });

  for (const width of [58, 80] as const) {
    it(`draws the Hindi slip at ${PRINT_DOTS[width]} dots (${width} mm), matching the reference PNG`, async () => {
      const image = await renderSlipImage(hindi, { width });
      expect(image.width).toBe(PRINT_DOTS[width]);
      expect(image.height % 8).toBe(0);
      const reference = fixture(`slip-hi-${width}.png`);
      if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(reference, image.png);
      const [got, want] = await Promise.all([pixels(image.png), pixels(readFileSync(reference))]);
      expect([got.width, got.height]).toEqual([want.width, want.height]);
      let differ = 0;
      let ink = 0;
      for (let i = 0; i < got.data.length; i += 4) {
        if (want.data[i]! < 128) ink++;
        if (Math.abs(got.data[i]! - want.data[i]!) > 64) differ++;
      }
      // The reference has ink (the slip is drawn), and at most 1% of its dots differ.
      expect(ink).toBeGreaterThan(1000);
      expect(differ / (got.width * got.height)).toBeLessThan(0.01);
    });
  }

  it('refuses a paper width it does not know, and names the font it misses', async () => {
    await expect(renderSlipImage(hindi, { width: 76 as 58 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'width' } });
    const missing = await renderEscPos(hindi, { width: 58, fonts: { devanagari: '/nonexistent/font.ttf' } }).catch((error: unknown) => error);
    expect(isOpdError(missing, 'DEPENDENCY_MISSING') && missing.details.package).toBe('fonts-noto-core');
  });
});

async function pixels(png: Uint8Array): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const image = await loadImage(Buffer.from(png));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return ctx.getImageData(0, 0, image.width, image.height);
}
