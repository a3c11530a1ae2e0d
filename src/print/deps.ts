/** The optional peers of printing, loaded when first asked for: the ESC/POS encoder and the canvas. */
import { existsSync } from 'node:fs';
import { OpdError } from '../errors.js';

/** The few methods of `@point-of-sale/receipt-printer-encoder` a slip needs. */
export interface Encoder {
  initialize(): Encoder;
  align(value: 'left' | 'center' | 'right'): Encoder;
  size(width: number, height: number): Encoder;
  bold(value?: boolean): Encoder;
  line(value: string): Encoder;
  newline(value?: number): Encoder;
  image(input: unknown, width: number, height: number, algorithm?: 'threshold', threshold?: number): Encoder;
  qrcode(value: string, model?: number, size?: number, errorlevel?: string): Encoder;
  cut(value?: 'full' | 'partial'): Encoder;
  encode(): Uint8Array;
}

/** The constructor of the encoder. */
export type EncoderClass = new (options: { language: 'esc-pos'; columns: number; imageMode: 'raster' }) => Encoder;

/** The few parts of `@napi-rs/canvas` a slip needs. */
export interface CanvasModule {
  createCanvas(width: number, height: number): Canvas;
  readonly GlobalFonts: { registerFromPath(path: string, alias?: string): unknown; has(family: string): boolean };
}

/** A canvas. */
export interface Canvas {
  getContext(kind: '2d'): Context2d;
  encode(format: 'png'): Promise<Uint8Array>;
}

/** Its 2-D context. */
export interface Context2d {
  fillStyle: string;
  font: string;
  textAlign: 'left' | 'center';
  textBaseline: 'alphabetic' | 'middle' | 'top';
  fillRect(x: number, y: number, width: number, height: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  getImageData(x: number, y: number, width: number, height: number): { readonly data: Uint8ClampedArray; readonly width: number; readonly height: number };
  putImageData(data: { readonly data: Uint8ClampedArray; readonly width: number; readonly height: number }, x: number, y: number): void;
  drawImage(image: Canvas, x: number, y: number): void;
}

/** The name each optional peer is installed by. */
export const ENCODER_PACKAGE = '@point-of-sale/receipt-printer-encoder';
/** The name of the canvas package. */
export const CANVAS_PACKAGE = '@napi-rs/canvas';

async function load(name: string): Promise<Record<string, unknown>> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch (error) {
    throw new OpdError('DEPENDENCY_MISSING', `Printing a slip needs the package ${name}, which could not be loaded: npm install ${name}`, {
      details: { package: name },
      cause: error,
    });
  }
}

/** The encoder class, or `DEPENDENCY_MISSING`. */
export async function loadEncoder(): Promise<EncoderClass> {
  const module = await load(ENCODER_PACKAGE);
  const found = (module['default'] ?? module['ReceiptPrinterEncoder']) as EncoderClass | undefined;
  if (typeof found !== 'function')
    throw new OpdError('DEPENDENCY_MISSING', `The package ${ENCODER_PACKAGE} has no encoder class`, { details: { package: ENCODER_PACKAGE } });
  return found;
}

/** The canvas module, or `DEPENDENCY_MISSING`. */
export async function loadCanvas(): Promise<CanvasModule> {
  const module = await load(CANVAS_PACKAGE);
  const found = (typeof module['createCanvas'] === 'function' ? module : module['default']) as CanvasModule | undefined;
  if (found === undefined || typeof found.createCanvas !== 'function')
    throw new OpdError('DEPENDENCY_MISSING', `The package ${CANVAS_PACKAGE} has no createCanvas`, { details: { package: CANVAS_PACKAGE } });
  return found;
}

/** The fonts of a slip: Debian's `fonts-noto-core` by default. */
export interface SlipFonts {
  /**
   * A Devanagari font file.
   *
   * @defaultValue `'/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf'` (Debian `fonts-noto-core`)
   */
  readonly devanagari?: string | undefined;
  /**
   * A Latin font file.
   *
   * @defaultValue `'/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf'` (Debian `fonts-noto-core`)
   */
  readonly latin?: string | undefined;
}

const NOTO = '/usr/share/fonts/truetype/noto/';

/** The font families to draw with, registered with the canvas (once per file: the canvas keeps its own list). */
export function registerFonts(canvas: CanvasModule, fonts: SlipFonts = {}): string {
  const families: string[] = [];
  for (const [path, family] of [
    [fonts.latin ?? `${NOTO}NotoSans-Regular.ttf`, 'OPD Slip Latin'],
    [fonts.devanagari ?? `${NOTO}NotoSansDevanagari-Regular.ttf`, 'OPD Slip Devanagari'],
  ] as const) {
    if (!existsSync(path)) {
      throw new OpdError('DEPENDENCY_MISSING', `Printing a slip needs the font ${path}: install Debian's fonts-noto-core, or pass \`fonts\``, {
        details: { package: 'fonts-noto-core', field: 'fonts' },
      });
    }
    const alias = `${family} ${path}`;
    if (!canvas.GlobalFonts.has(alias)) canvas.GlobalFonts.registerFromPath(path, alias);
    families.push(`"${alias}"`);
  }
  return families.join(', ');
}
