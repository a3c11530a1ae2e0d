/** A token slip on a receipt printer: Latin lines as text, Devanagari lines as raster images. */
import { invalid } from '../errors.js';
import type { SlipDocument, SlipLine } from '../notices/slip.js';
import { loadCanvas, loadEncoder, registerFonts, type CanvasModule, type SlipFonts } from './deps.js';

/** The paper widths of receipt printers, in millimetres. */
export type PaperWidth = 58 | 80;

/** The printable dots of each paper width (8 dots a millimetre): 384 at 58 mm, 576 at 80 mm. */
export const PRINT_DOTS: Readonly<Record<PaperWidth, number>> = Object.freeze({ 58: 384, 80: 576 });

/** The text columns of each paper width (font A, 12 dots a character). */
const COLUMNS: Readonly<Record<PaperWidth, number>> = Object.freeze({ 58: 32, 80: 48 });

/** Options of {@link renderEscPos} and {@link renderSlipImage}. */
export interface PrintOptions {
  /** The paper width in millimetres. */
  readonly width: PaperWidth;
  /** The font files. */
  readonly fonts?: SlipFonts | undefined;
}

/** A slip drawn as one black-and-white image, as a printer prints it. */
export interface SlipImage {
  /** Its width in dots ({@link PRINT_DOTS}). */
  readonly width: number;
  /** Its height in dots, a multiple of 8. */
  readonly height: number;
  /** The image as PNG. */
  readonly png: Uint8Array;
}

function expectWidth(options: PrintOptions): PaperWidth {
  const width = (options as { width?: unknown } | undefined)?.width;
  if (width !== 58 && width !== 80) throw invalid('width', `Expected \`width\` to be 58 or 80 (millimetres), got \`${String(width)}\``);
  return width;
}

/**
 * The ESC/POS bytes of a slip: Latin lines as printer text, Devanagari lines (which no printer
 * code page has) drawn with a Devanagari font and sent as raster images, the label double size,
 * the QR code last, then a cut. Needs the optional peers `@point-of-sale/receipt-printer-encoder`
 * and `@napi-rs/canvas`, and a Devanagari font (Debian `fonts-noto-core`).
 *
 * @param doc - the slip, from `ticketDocument` (`opd-scheduler/notices`)
 * @param options - the paper width (58 or 80 mm) and the fonts
 * @returns the bytes to send to the printer
 * @throws OpdError `DEPENDENCY_MISSING` (`details.package`) when a peer or the font is
 *   missing; `VALIDATION_FAILED` for another width
 *
 * @example
 * ```ts
 * import { renderEscPos } from 'opd-scheduler/print';
 * import type { SlipDocument } from 'opd-scheduler/notices';
 *
 * declare const slip: SlipDocument;
 * const bytes = await renderEscPos(slip, { width: 58 });
 * ```
 */
export async function renderEscPos(doc: SlipDocument, options: PrintOptions): Promise<Uint8Array> {
  const width = expectWidth(options);
  const Encoder = await loadEncoder();
  const needsRaster = doc.lines.some((line) => line.script === 'devanagari');
  const canvas = needsRaster ? await loadCanvas() : undefined;
  const families = canvas === undefined ? '' : registerFonts(canvas, options.fonts);
  const encoder = new Encoder({ language: 'esc-pos', columns: COLUMNS[width], imageMode: 'raster' }).initialize();
  for (const line of doc.lines) {
    encoder.align(line.align);
    if (line.script === 'latin' || canvas === undefined) {
      encoder.size(line.size, line.size).line(line.text).size(1, 1);
    } else {
      const raster = drawLine(canvas, families, line, PRINT_DOTS[width]);
      encoder.image(raster.getContext('2d').getImageData(0, 0, PRINT_DOTS[width], lineHeight(line)), PRINT_DOTS[width], lineHeight(line), 'threshold', 128);
    }
  }
  return encoder.align('center').qrcode(doc.qr, 2, 6, 'm').newline(2).cut('partial').encode();
}

/**
 * A slip drawn whole, every line in its font, as the black-and-white image a printer of that
 * width prints (for a preview on screen, or a printer driven by images only). The QR code is
 * the printer's to draw and is left out. Needs the optional peer `@napi-rs/canvas` and the fonts.
 *
 * @throws OpdError `DEPENDENCY_MISSING` when the canvas or a font is missing;
 *   `VALIDATION_FAILED` for another width
 */
export async function renderSlipImage(doc: SlipDocument, options: PrintOptions): Promise<SlipImage> {
  const width = PRINT_DOTS[expectWidth(options)];
  const canvas = await loadCanvas();
  const families = registerFonts(canvas, options.fonts);
  const height = doc.lines.reduce((sum, line) => sum + lineHeight(line), 0) + 16;
  const whole = canvas.createCanvas(width, height);
  const ctx = whole.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  let y = 8;
  for (const line of doc.lines) {
    ctx.drawImage(drawLine(canvas, families, line, width), 0, y);
    y += lineHeight(line);
  }
  // Thresholded as the printer does: every dot black or white.
  const image = ctx.getImageData(0, 0, width, height);
  const data = image.data;
  for (let i = 0; i < data.length; i += 4) {
    const dark = 0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0) < 128;
    data[i] = data[i + 1] = data[i + 2] = dark ? 0 : 255;
    data[i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return Object.freeze({ width, height, png: await whole.encode('png') });
}

/** Dots a line takes: room above and below for the vowel signs of Devanagari, a multiple of 8. */
function lineHeight(line: SlipLine): number {
  return line.size === 2 ? 80 : 40;
}

function drawLine(canvas: CanvasModule, families: string, line: SlipLine, width: number): ReturnType<CanvasModule['createCanvas']> {
  const height = lineHeight(line);
  const surface = canvas.createCanvas(width, height);
  const ctx = surface.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#000';
  const margin = 8;
  // The text is made smaller to fit the paper rather than cut.
  let px = line.size === 2 ? 48 : 24;
  ctx.font = `${px}px ${families}`;
  while (px > 10 && ctx.measureText(line.text).width > width - 2 * margin) {
    px -= 1;
    ctx.font = `${px}px ${families}`;
  }
  ctx.textBaseline = 'middle';
  ctx.textAlign = line.align === 'center' ? 'center' : 'left';
  ctx.fillText(line.text, line.align === 'center' ? width / 2 : margin, height / 2);
  return surface;
}
