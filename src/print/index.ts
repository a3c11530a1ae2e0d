/**
 * `opd-scheduler/print`: a token slip (`ticketDocument` in `opd-scheduler/notices`) on a receipt
 * printer. {@link renderEscPos} prints Latin lines as text and Devanagari lines as raster
 * images, at 58 mm (384 dots) or 80 mm (576 dots); {@link renderSlipImage} draws the slip as
 * the image a printer prints. The encoder (`@point-of-sale/receipt-printer-encoder`) and the
 * canvas (`@napi-rs/canvas`) are optional peers: without them a call fails with
 * `DEPENDENCY_MISSING`.
 *
 * @packageDocumentation
 */
export { PRINT_DOTS, renderEscPos, renderSlipImage } from './render.js';
export type { PaperWidth, PrintOptions, SlipImage } from './render.js';
export type { SlipFonts } from './deps.js';
