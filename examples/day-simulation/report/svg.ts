/** Small helpers to draw charts as inline SVG (no libraries, nothing fetched over the network). */
import { html } from '../format.js';

/** Colours with a meaning, the same in every chart (Okabe–Ito, readable with colour blindness). */
export const COLOURS = {
  place: '#0072B2',
  placeFill: '#9cc7e6',
  elastic: '#E69F00',
  waiting: '#B04A9A',
  bump: '#D55E00',
  cascade: '#56B4E9',
  promotion: '#009E73',
  drop: '#1a1a1a',
  closed: '#8c8c8c',
  grid: '#e3e3e3',
  axis: '#555555',
  text: '#222222',
  muted: '#666666',
} as const;

/** Colours of the outcomes of a request. */
export const OUTCOME_COLOURS = {
  seen: '#2e8b57',
  noShow: '#a6a6a6',
  cancelled: '#d8c27a',
  dropped: '#1a1a1a',
  waiting: COLOURS.waiting,
  refused: COLOURS.bump,
} as const;

/** One colour per preset in side-by-side charts. */
export const PRESET_COLOURS: Readonly<Record<string, string>> = {
  standard: '#0072B2',
  cascade: '#D55E00',
  waitlist: '#7B4EA3',
  elastic: '#C79200',
};

/** A number for SVG attributes, rounded to 0.1 so that output stays small and stable. */
export function n(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A linear scale from a domain to a range. */
export function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (x) => r0 + (x - d0) * k;
}

/** An `<svg>` element that scales to its container's width. */
export function svg(width: number, height: number, label: string, body: string, className = 'chart'): string {
  return `<svg class="${className}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${html(label)}" xmlns="http://www.w3.org/2000/svg"><title>${html(label)}</title>${body}</svg>`;
}

/** SVG text. */
export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}"${attrs === '' ? '' : ` ${attrs}`}>${html(content)}</text>`;
}

/** A rectangle (zero or negative sizes are dropped). */
export function rect(x: number, y: number, w: number, h: number, attrs: string): string {
  return w <= 0 || h <= 0 ? '' : `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" ${attrs}/>`;
}

/** A line. */
export function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" ${attrs}/>`;
}

/**
 * The area under a step function given as (time, value) steps, from `from` to `to`; each value
 * holds until the next step. `cap` clips values from above.
 */
export function stepArea(
  steps: ReadonlyArray<readonly [number, number]>,
  from: number,
  to: number,
  x: (t: number) => number,
  y: (v: number) => number,
  cap = Infinity,
): string {
  let d = `M${n(x(from))},${n(y(0))}`;
  let value = 0;
  for (const [t, v] of steps) {
    if (t > to) break;
    const at = Math.max(t, from);
    d += `H${n(x(at))}`;
    value = Math.min(v, cap);
    d += `V${n(y(value))}`;
  }
  d += `H${n(x(to))}V${n(y(0))}Z`;
  return d;
}

/** The line of a step function (same input as {@link stepArea}). */
export function stepLine(
  steps: ReadonlyArray<readonly [number, number]>,
  from: number,
  to: number,
  x: (t: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  for (const [t, v] of steps) {
    if (t > to) break;
    const at = Math.max(t, from);
    d += d === '' ? `M${n(x(at))},${n(y(v))}` : `H${n(x(at))}V${n(y(v))}`;
  }
  return d === '' ? '' : `${d}H${n(x(to))}`;
}

/** A marker symbol centred at (x, y). */
export function symbol(kind: 'bump' | 'cascade' | 'promotion' | 'drop' | 'elastic' | 'closed', x: number, y: number, size = 5): string {
  const s = size;
  switch (kind) {
    case 'bump':
      return `<path d="M${n(x - s)},${n(y - s)}H${n(x + s)}L${n(x)},${n(y + s)}Z" fill="${COLOURS.bump}"/>`;
    case 'promotion':
      return `<path d="M${n(x - s)},${n(y + s)}H${n(x + s)}L${n(x)},${n(y - s)}Z" fill="${COLOURS.promotion}"/>`;
    case 'cascade':
      return `<path d="M${n(x - s)},${n(y - s)}V${n(y + s)}L${n(x + s)},${n(y)}Z" fill="${COLOURS.cascade}" stroke="#1d6f99" stroke-width="0.8"/>`;
    case 'drop':
      return `<path d="M${n(x - s)},${n(y - s)}L${n(x + s)},${n(y + s)}M${n(x + s)},${n(y - s)}L${n(x - s)},${n(y + s)}" stroke="${COLOURS.drop}" stroke-width="2.2"/>`;
    case 'elastic':
      return `<path d="M${n(x)},${n(y - s)}L${n(x + s)},${n(y)}L${n(x)},${n(y + s)}L${n(x - s)},${n(y)}Z" fill="${COLOURS.elastic}" stroke="#9a6a00" stroke-width="0.8"/>`;
    case 'closed':
      return `<path d="M${n(x)},${n(y - s)}V${n(y + s)}" stroke="${COLOURS.closed}" stroke-width="3"/>`;
  }
}

/** A small inline legend entry. */
export function legendSymbol(kind: Parameters<typeof symbol>[0]): string {
  return svg(14, 14, kind, symbol(kind, 7, 7, 5), 'legend-symbol');
}

/** A legend swatch of a colour. */
export function swatch(colour: string, label: string): string {
  return `<span class="key"><span class="swatch" style="background:${colour}"></span>${html(label)}</span>`;
}

/** The hatch pattern for closed slots (include once per SVG that uses `url(#hatch)`). */
export function hatchPattern(id: string): string {
  return `<defs><pattern id="${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f0f0f0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#bdbdbd" stroke-width="2"/></pattern></defs>`;
}

/** Round `x` up to a "nice" axis maximum. */
export function niceMax(x: number, step: number): number {
  return Math.max(step, Math.ceil(x / step) * step);
}
