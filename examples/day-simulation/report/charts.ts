/** The report's charts, each a function from the day's figures to an inline SVG. */
import { html, int, percent } from '../format.js';
import type { Marker } from '../simulate.js';
import { percentile, type DoctorRow, type Summary, type WaitRow } from '../summary.js';
import { categoryWord } from '../text.js';
import { clock, MINUTE } from '../time.js';
import { COLOURS, hatchPattern, line, linear, niceMax, OUTCOME_COLOURS, PRESET_COLOURS, rect, stepArea, stepLine, svg, symbol, text } from './svg.js';

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';
const SMALL = `${FONT} font-size="11" fill="${COLOURS.muted}"`;
const LABEL = `${FONT} font-size="12" fill="${COLOURS.text}"`;

/** The time span every timeline of a report shares. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** The time span of the days: from the portal's opening to the end of the last consultation, in whole hours. */
export function timeRange(summaries: readonly Summary[]): TimeRange {
  const from = summaries[0]!.result.scenario.startsAt;
  const lastSlot = Math.max(...summaries[0]!.result.scenario.doctors.flatMap((d) => d.slots.map((s) => s.end)));
  const end = Math.max(lastSlot, ...summaries.map((s) => s.result.endsAt));
  const hour = 60 * MINUTE;
  return { from, to: from + Math.ceil((end - from) / hour) * hour };
}

/**
 * One doctor's day as lanes, one per slot: the places held over time (blue up to capacity, orange
 * for elastic places beyond it, dashed line at capacity), the slot's own waiting list (per-slot
 * waitlists), the moments of bumps, cascades, promotions, drops and elastic places, and closures;
 * below, the doctor-day waiting list and when the doctor was seeing patients.
 */
export function timeline(summary: Summary, doctor: DoctorRow, range: TimeRange, compact = false): string {
  const { result } = summary;
  const width = compact ? 640 : 1000;
  const left = compact ? 104 : 120;
  const right = 14;
  const laneH = compact ? 38 : 48;
  const gap = 6;
  const top = 8;
  const slots = doctor.plan.slots;
  const waitH = compact ? 30 : 38;
  const workH = 14;
  const axisH = 22;
  const height = top + slots.length * (laneH + gap) + waitH + gap + workH + gap + axisH;
  const x = linear(range.from, range.to, left, width - right);
  const id = `${result.preset}-${doctor.plan.id}`.replace(/[^a-zA-Z0-9-]/g, '');
  const parts: string[] = [hatchPattern(`hatch-${id}`)];

  // Hour grid.
  const hour = 60 * MINUTE;
  const every = range.to - range.from > 10 * hour ? 2 : 1;
  for (let t = range.from, i = 0; t <= range.to; t += hour, i++) {
    if (i % every !== 0) continue;
    parts.push(line(x(t), top, x(t), height - axisH, `stroke="${COLOURS.grid}" stroke-width="1"`));
    parts.push(text(x(t), height - 6, clock(t), `${SMALL} text-anchor="middle"`));
  }

  const markers = result.markers.filter((m) => m.doctorId === doctor.plan.id);
  slots.forEach((plan, i) => {
    const track = result.slots.get(plan.id)!;
    const y0 = top + i * (laneH + gap);
    const maxY = Math.max(plan.capacity + plan.overflowCapacity, track.peakPlaces, track.peakWaiting, 1);
    const y = linear(0, maxY, y0 + laneH, y0 + 4);
    parts.push(rect(left, y0, width - right - left, laneH, `fill="#fafafa"`));
    // Places are drawn up to the slot's end only: the consultations are over then, even if the
    // completed tokens still count as places.
    const until = Math.min(range.to, plan.end);
    parts.push(
      `<path d="${stepArea(track.places, range.from, until, x, y)}" fill="${COLOURS.elastic}" fill-opacity="0.85"><title>places held in the ${clock(plan.start)} slot (elastic places in orange)</title></path>`,
    );
    parts.push(
      `<path d="${stepArea(track.places, range.from, until, x, y, plan.capacity)}" fill="${COLOURS.placeFill}" stroke="${COLOURS.place}" stroke-width="1"/>`,
    );
    parts.push(line(left, y(plan.capacity), width - right, y(plan.capacity), `stroke="${COLOURS.place}" stroke-width="1" stroke-dasharray="4 3"`));
    // Dim the lane outside the slot's own hour, so that the hour the doctor sees it stands out.
    parts.push(rect(left, y0, x(plan.start) - left, laneH, `fill="#ffffff" fill-opacity="0.55"`));
    parts.push(rect(x(plan.end), y0, width - right - x(plan.end), laneH, `fill="#ffffff" fill-opacity="0.55"`));
    parts.push(rect(x(plan.start), y0, x(plan.end) - x(plan.start), laneH, `fill="none" stroke="#5b7a99" stroke-width="1.2"`));
    if (track.peakWaiting > 0) {
      parts.push(
        `<path d="${stepLine(track.waiting, range.from, range.to, x, y)}" fill="none" stroke="${COLOURS.waiting}" stroke-width="2"><title>waiting for the ${clock(plan.start)} slot</title></path>`,
      );
    }
    if (track.closedAt !== null) {
      parts.push(rect(x(track.closedAt), y0, width - right - x(track.closedAt), laneH, `fill="url(#hatch-${id})" fill-opacity="0.75"`));
      parts.push(
        text(
          x(track.closedAt) + 4,
          y0 + laneH / 2 + 4,
          `closed ${clock(track.closedAt)}${compact ? '' : `: ${track.closedReason ?? ''}`}`,
          `${LABEL} font-weight="600"`,
        ),
      );
    }
    const end = track.places[track.places.length - 1]?.[1] ?? 0;
    parts.push(text(left - 8, y0 + 15, `${clock(plan.start)}–${clock(plan.end)}`, `${LABEL} text-anchor="end" font-weight="600"`));
    parts.push(text(left - 8, y0 + 29, `${end}/${plan.capacity}${compact ? '' : ' at end'}`, `${SMALL} text-anchor="end"`));
    parts.push(
      ...markerSymbols(
        markers.filter((m) => m.slotId === plan.id),
        x,
        y0,
        laneH,
      ),
    );
  });

  // The doctor-day waiting list.
  const wy0 = top + slots.length * (laneH + gap);
  const track = doctor.track;
  const wMax = Math.max(1, track.peakWaiting);
  const wy = linear(0, wMax, wy0 + waitH, wy0 + 3);
  parts.push(rect(left, wy0, width - right - left, waitH, `fill="#fbf6fa"`));
  if (track.peakWaiting > 0)
    parts.push(
      `<path d="${stepArea(track.waiting, range.from, range.to, x, wy)}" fill="${COLOURS.waiting}" fill-opacity="0.45" stroke="${COLOURS.waiting}" stroke-width="1"/>`,
    );
  parts.push(text(left - 8, wy0 + 14, 'waiting list', `${LABEL} text-anchor="end" font-weight="600"`));
  parts.push(text(left - 8, wy0 + 27, `peak ${track.peakWaiting}`, `${SMALL} text-anchor="end"`));

  // When the doctor was seeing patients.
  const ky = wy0 + waitH + gap;
  if (track.firstConsultAt !== null) {
    const until = track.lastConsultEnd ?? track.firstConsultAt;
    parts.push(
      rect(x(track.firstConsultAt), ky + 3, x(until) - x(track.firstConsultAt), workH - 6, `fill="#6b6b6b" rx="3"`).replace(
        '/>',
        `><title>seeing patients ${clock(track.firstConsultAt)}–${clock(until)}</title></rect>`,
      ),
    );
  }
  parts.push(text(left - 8, ky + 11, compact ? 'doctor' : 'doctor at work', `${SMALL} text-anchor="end"`));

  const label = `${doctor.plan.name}: places per slot through the day, with bumps, cascades, promotions, drops and elastic places`;
  return svg(width, height, label, parts.join(''), compact ? 'chart timeline compact' : 'chart timeline');
}

/** Marker symbols in a lane, stacked upwards when they would overlap. */
function markerSymbols(markers: readonly Marker[], x: (t: number) => number, y0: number, laneH: number): string[] {
  const out: string[] = [];
  let lastX = -Infinity;
  let stack = 0;
  const sorted = [...markers].filter((m) => m.kind !== 'closed').sort((a, b) => a.at - b.at);
  for (const m of sorted) {
    const mx = x(m.at);
    stack = mx - lastX < 9 ? stack + 1 : 0;
    if (stack === 0) lastX = mx;
    const my = y0 + laneH - 7 - ((stack * 10) % (laneH - 10));
    out.push(`<g class="marker ${m.kind}">${symbol(m.kind, mx, my, 4.5)}<title>${html(`${clock(m.at)} ${m.text}`)}</title></g>`);
  }
  return out;
}

/** Stacked bars, one per row, of what became of the requests (as shares, with counts). */
export interface OutcomeRow {
  readonly label: string;
  readonly seen: number;
  readonly noShow: number;
  readonly cancelled: number;
  readonly dropped: number;
  readonly waiting: number;
  readonly refused: number;
  readonly colour?: string;
}

/** The outcomes of a day per category (or per preset), from its summary. */
export function outcomeRows(summary: Summary, byCategory: boolean): OutcomeRow[] {
  const row = (label: string, pick: (status: keyof Summary['byStatus']) => number, refused: number): OutcomeRow => ({
    label,
    seen: pick('COMPLETED'),
    noShow: pick('NO_SHOW'),
    cancelled: pick('CANCELLED'),
    dropped: pick('DROPPED'),
    waiting: pick('WAITLISTED'),
    refused,
  });
  const all = row(byCategory ? 'all requests' : summary.result.preset, (s) => summary.byStatus[s], summary.result.refusals.length);
  if (!byCategory) return [all];
  const rows = [...summary.matrix.keys()]
    .filter((c) => (summary.demand.get(c) ?? 0) > 0)
    .map((c) => row(categoryWord(c), (s) => summary.matrix.get(c)![s], summary.refusedByCategory.get(c) ?? 0));
  return [...rows, all];
}

const OUTCOMES = [
  ['seen', 'seen by the doctor', OUTCOME_COLOURS.seen],
  ['noShow', 'no-show', OUTCOME_COLOURS.noShow],
  ['cancelled', 'cancelled or left', OUTCOME_COLOURS.cancelled],
  ['dropped', 'dropped', OUTCOME_COLOURS.dropped],
  ['waiting', 'still waiting at the end', OUTCOME_COLOURS.waiting],
  ['refused', 'refused (no token)', OUTCOME_COLOURS.refused],
] as const;

/** The outcome legend entries. */
export function outcomeLegend(): ReadonlyArray<readonly [string, string]> {
  return OUTCOMES.map(([, label, colour]) => [label, colour] as const);
}

/** Rows of 100% stacked bars: what became of the requests. */
export function outcomeBars(rows: readonly OutcomeRow[], label: string): string {
  const width = 1000;
  const left = 130;
  const right = 70;
  const barH = 22;
  const gap = 8;
  const height = rows.length * (barH + gap) + 4;
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const y0 = 2 + i * (barH + gap);
    const total = r.seen + r.noShow + r.cancelled + r.dropped + r.waiting + r.refused;
    const x = linear(0, Math.max(1, total), left, width - right);
    let at = 0;
    parts.push(text(left - 8, y0 + 15, r.label, `${LABEL} text-anchor="end" font-weight="${r.label.startsWith('all') ? 700 : 500}"`));
    if (r.colour !== undefined) parts.push(rect(left - 6, y0, 4, barH, `fill="${r.colour}"`));
    for (const [key, name, colour] of OUTCOMES) {
      const v = r[key];
      if (v === 0) continue;
      const w = x(at + v) - x(at);
      parts.push(`<g>${rect(x(at), y0, w, barH, `fill="${colour}"`)}<title>${html(`${r.label}: ${v} ${name} (${percent(v / total)})`)}</title></g>`);
      if (w > 26)
        parts.push(
          text(
            x(at) + w / 2,
            y0 + 15,
            int(v),
            `${FONT} font-size="11" text-anchor="middle" fill="${key === 'cancelled' || key === 'noShow' ? '#222' : '#fff'}"`,
          ),
        );
      at += v;
    }
    parts.push(text(width - right + 8, y0 + 15, `${int(total)}`, `${SMALL}`));
  });
  return svg(width, height, label, parts.join(''));
}

/** Horizontal box plots of waits (minutes): whiskers p5–p95, box p25–p75, line at the median. */
export function waitBoxes(summaries: readonly Summary[], pick: (w: WaitRow) => readonly number[], label: string): string {
  const labels = summaries[0]!.waits.filter((w) => summaries.some((s) => pick(s.waits.find((x) => x.label === w.label)!).length > 0)).map((w) => w.label);
  const per = summaries.length;
  const boxH = per === 1 ? 18 : 11;
  const groupH = per * (boxH + 3) + 12;
  const width = 1000;
  const left = 130;
  const right = 210;
  const axisH = 24;
  const height = labels.length * groupH + axisH;
  let max = 0;
  for (const s of summaries) for (const w of s.waits) max = Math.max(max, percentile(pick(w), 95) ?? 0);
  const maxX = niceMax(max, 30);
  const x = linear(0, maxX, left, width - right);
  const parts: string[] = [];
  const step = maxX <= 120 ? 15 : maxX <= 300 ? 30 : 60;
  for (let v = 0; v <= maxX; v += step) {
    parts.push(line(x(v), 0, x(v), height - axisH, `stroke="${COLOURS.grid}"`));
    parts.push(text(x(v), height - 8, `${v}`, `${SMALL} text-anchor="middle"`));
  }
  parts.push(text(width - right + 8, height - 8, 'minutes', SMALL));
  labels.forEach((name, g) => {
    const gy = g * groupH + 6;
    parts.push(
      text(left - 8, gy + (per * (boxH + 3)) / 2 + 4, categoryWord(name), `${LABEL} text-anchor="end" font-weight="${name === 'all patients' ? 700 : 500}"`),
    );
    if (g > 0) parts.push(line(left - 120, gy - 6, width - 10, gy - 6, `stroke="#eeeeee"`));
    summaries.forEach((s, k) => {
      const values = pick(s.waits.find((w) => w.label === name)!);
      const y0 = gy + k * (boxH + 3);
      const colour = per === 1 ? COLOURS.place : (PRESET_COLOURS[s.result.preset] ?? COLOURS.place);
      const who = per === 1 ? '' : `${s.result.preset}: `;
      if (values.length === 0) {
        parts.push(text(left + 4, y0 + boxH - 3, `${who}nobody`, SMALL));
        return;
      }
      const [p5, p25, p50, p75, p95] = [5, 25, 50, 75, 95].map((p) => percentile(values, p)!) as [number, number, number, number, number];
      const mid = y0 + boxH / 2;
      const tip = `${who}${categoryWord(name)}: ${values.length} patients; median ${Math.round(p50)} min, middle half ${Math.round(p25)}–${Math.round(p75)} min, 95% within ${Math.round(p95)} min`;
      parts.push(
        `<g class="box">${line(x(p5), mid, x(p95), mid, `stroke="${colour}" stroke-width="1.5"`)}${line(x(p5), y0 + 3, x(p5), y0 + boxH - 3, `stroke="${colour}" stroke-width="1.5"`)}${line(x(p95), y0 + 3, x(p95), y0 + boxH - 3, `stroke="${colour}" stroke-width="1.5"`)}${rect(x(p25), y0, Math.max(2, x(p75) - x(p25)), boxH, `fill="${colour}" fill-opacity="0.28" stroke="${colour}" stroke-width="1.2"`)}${line(x(p50), y0 - 1, x(p50), y0 + boxH + 1, `stroke="${COLOURS.text}" stroke-width="2.5"`)}<title>${html(tip)}</title></g>`,
      );
      parts.push(
        text(
          width - right + 8,
          y0 + boxH - 3,
          `${who}p50 ${Math.round(p50)} · p95 ${Math.round(p95)} · n ${int(values.length)}`,
          `${FONT} font-size="${per === 1 ? 12 : 10.5}" fill="${COLOURS.text}"`,
        ),
      );
    });
  });
  return svg(width, height, label, parts.join(''));
}

/**
 * The scheduler's fairness ledger, one row per category: a bar to the median wait from due to the
 * doctor, a lighter one to the 95th percentile, and the skips and longest pass run beside it.
 */
export function fairnessBars(summary: Summary, label: string): string {
  const rows = summary.result.fairness.categories;
  const width = 1000;
  const left = 130;
  const right = 260;
  const barH = 18;
  const gap = 10;
  const axisH = 24;
  const height = Math.max(1, rows.length) * (barH + gap) + axisH;
  const max = niceMax(Math.max(0, ...rows.map((r) => r.waitP95 ?? 0)), 30);
  const x = linear(0, max, left, width - right);
  const parts: string[] = [];
  const step = max <= 120 ? 15 : max <= 300 ? 30 : 60;
  for (let v = 0; v <= max; v += step) {
    parts.push(line(x(v), 0, x(v), height - axisH, `stroke="${COLOURS.grid}"`));
    parts.push(text(x(v), height - 8, `${v}`, `${SMALL} text-anchor="middle"`));
  }
  parts.push(text(width - right + 8, height - 8, 'minutes', SMALL));
  if (rows.length === 0) parts.push(text(left + 4, barH, 'nobody was seen', SMALL));
  rows.forEach((r, i) => {
    const y0 = 2 + i * (barH + gap);
    parts.push(text(left - 8, y0 + 13, categoryWord(r.category), `${LABEL} text-anchor="end" font-weight="500"`));
    const p50 = r.waitP50 ?? 0;
    const p95 = r.waitP95 ?? 0;
    const tip = `${categoryWord(r.category)}: ${int(r.called)} seen; median ${Math.round(p50)} min, 95% within ${Math.round(p95)} min; ${int(r.skips)} skips; longest run of better-ranked patients passing one: ${int(r.longestPassRun)}`;
    parts.push(
      `<g class="fair">${rect(x(0), y0, Math.max(1, x(p95) - x(0)), barH, `fill="${COLOURS.place}" fill-opacity="0.3"`)}${rect(x(0), y0, Math.max(1, x(p50) - x(0)), barH, `fill="${COLOURS.place}"`)}<title>${html(tip)}</title></g>`,
    );
    parts.push(
      text(
        width - right + 8,
        y0 + 13,
        `p50 ${Math.round(p50)} · p95 ${Math.round(p95)} · skips ${int(r.skips)} · run ${int(r.longestPassRun)}`,
        `${FONT} font-size="12" fill="${COLOURS.text}"`,
      ),
    );
  });
  return svg(width, height, label, parts.join(''));
}

/** Bars per slot, grouped by doctor: places at the end of the day against capacity (orange beyond it). */
export function utilisationBars(summary: Summary, label: string, compact = false): string {
  const doctors = summary.doctors;
  const slotsPer = Math.max(...doctors.map((d) => d.slots.length));
  const barW = compact ? 16 : 30;
  const barGap = compact ? 4 : 8;
  const groupGap = compact ? 16 : 34;
  const left = 44;
  const groupW = slotsPer * (barW + barGap) - barGap;
  const width = Math.max(compact ? 480 : 1000, left + doctors.length * (groupW + groupGap) + 10);
  const top = 26;
  const plotH = compact ? 130 : 190;
  const height = top + plotH + (compact ? 34 : 44);
  let maxU = 1.2;
  for (const d of doctors) for (const s of d.slots) if (s.capacity > 0) maxU = Math.max(maxU, s.places / s.capacity);
  const y = linear(0, Math.ceil(maxU * 4) / 4, top + plotH, top);
  const parts: string[] = [hatchPattern(`hatch-util-${summary.result.preset}`)];
  for (let u = 0; u <= maxU + 1e-9; u += 0.25) {
    parts.push(line(left, y(u), width - 6, y(u), `stroke="${u === 1 ? COLOURS.axis : COLOURS.grid}"${u === 1 ? ' stroke-dasharray="5 3"' : ''}`));
    parts.push(text(left - 6, y(u) + 4, percent(u), `${SMALL} text-anchor="end"`));
  }
  doctors.forEach((d, g) => {
    const gx = left + 8 + g * (groupW + groupGap);
    d.slots.forEach((s, i) => {
      const bx = gx + i * (barW + barGap);
      const cap = Math.max(1, s.capacity);
      if (s.closedAt !== null && s.places === 0) {
        parts.push(rect(bx, y(1), barW, y(0) - y(1), `fill="url(#hatch-util-${summary.result.preset})" stroke="${COLOURS.closed}"`));
        if (!compact) parts.push(text(bx + barW / 2, y(1) - 4, 'closed', `${SMALL} text-anchor="middle"`));
      } else {
        const within = Math.min(s.places, s.capacity) / cap;
        const tip = `${d.plan.name} ${s.label}: ${s.places} places of ${s.capacity}${s.elastic > 0 ? ` (${s.elastic} elastic)` : ''}, ${s.seen} seen, ${s.noShows} no-shows`;
        parts.push(
          `<g>${rect(bx, y(within), barW, y(0) - y(within), `fill="${COLOURS.place}"`)}${rect(bx, y(s.places / cap), barW, y(within) - y(s.places / cap), `fill="${COLOURS.elastic}"`)}<title>${html(tip)}</title></g>`,
        );
        if (!compact)
          parts.push(
            text(bx + barW / 2, y(s.places / cap) - 4, `${s.places}/${s.capacity}`, `${FONT} font-size="10" text-anchor="middle" fill="${COLOURS.text}"`),
          );
      }
      parts.push(text(bx + barW / 2, top + plotH + 13, clock(s.start).slice(0, 2), `${SMALL} text-anchor="middle"`));
    });
    parts.push(
      text(
        gx + groupW / 2,
        top + plotH + (compact ? 28 : 32),
        compact ? d.plan.name.replace('Dr. ', '') : `${d.plan.name}`,
        `${LABEL} text-anchor="middle" font-weight="600"`,
      ),
    );
  });
  return svg(width, height, label, parts.join(''));
}

/** Utilisation by hour across all doctors (for large scenarios), one bar per preset per hour. */
export function utilisationByHour(summaries: readonly Summary[], label: string): string {
  const hours = [...new Set(summaries[0]!.doctors.flatMap((d) => d.slots.map((s) => clock(s.start))))].sort();
  const per = summaries.length;
  const barW = per === 1 ? 60 : 22;
  const groupW = per * (barW + 3);
  const left = 44;
  const width = Math.max(1000, left + hours.length * (groupW + 40) + 20);
  const top = 26;
  const plotH = 190;
  const height = top + plotH + 40;
  const figures = summaries.map((s) =>
    hours.map((h) => {
      const slots = s.doctors.flatMap((d) => d.slots.filter((x) => clock(x.start) === h && x.closedAt === null));
      const capacity = slots.reduce((sum, x) => sum + x.capacity, 0);
      const places = slots.reduce((sum, x) => sum + x.places, 0);
      return { capacity, places, u: capacity === 0 ? 0 : places / capacity };
    }),
  );
  const maxU = Math.max(1.2, ...figures.flat().map((f) => f.u));
  const y = linear(0, Math.ceil(maxU * 4) / 4, top + plotH, top);
  const parts: string[] = [];
  for (let u = 0; u <= maxU + 1e-9; u += 0.25) {
    parts.push(line(left, y(u), width - 6, y(u), `stroke="${u === 1 ? COLOURS.axis : COLOURS.grid}"${u === 1 ? ' stroke-dasharray="5 3"' : ''}`));
    parts.push(text(left - 6, y(u) + 4, percent(u), `${SMALL} text-anchor="end"`));
  }
  hours.forEach((h, i) => {
    const gx = left + 20 + i * (groupW + 40);
    summaries.forEach((s, k) => {
      const f = figures[k]![i]!;
      const bx = gx + k * (barW + 3);
      const colour = per === 1 ? COLOURS.place : (PRESET_COLOURS[s.result.preset] ?? COLOURS.place);
      parts.push(
        `<g>${rect(bx, y(f.u), barW, y(0) - y(f.u), `fill="${colour}"`)}<title>${html(`${per === 1 ? '' : `${s.result.preset}: `}${h} slots: ${int(f.places)} places of ${int(f.capacity)} (${percent(f.u)})`)}</title></g>`,
      );
      if (per === 1) parts.push(text(bx + barW / 2, y(f.u) - 4, percent(f.u), `${FONT} font-size="11" text-anchor="middle" fill="${COLOURS.text}"`));
    });
    parts.push(text(gx + groupW / 2, top + plotH + 16, `${h} slots`, `${LABEL} text-anchor="middle"`));
  });
  return svg(width, height, label, parts.join(''));
}

/** A heat map of every doctor's slots (for large scenarios): colour = share of capacity used. */
export function slotHeatmap(summary: Summary, label: string): string {
  const hours = [...new Set(summary.doctors.flatMap((d) => d.slots.map((s) => clock(s.start))))].sort();
  const left = 230;
  const cellW = 64;
  const rowH = 15;
  const headH = 20;
  const width = left + hours.length * cellW + 130;
  const departments = [...new Set(summary.doctors.map((d) => d.plan.department))];
  const height = headH + (summary.doctors.length + departments.length) * rowH + 6;
  const parts: string[] = [hatchPattern('hatch-heat')];
  hours.forEach((h, i) => parts.push(text(left + i * cellW + cellW / 2, 14, h, `${LABEL} text-anchor="middle" font-weight="600"`)));
  parts.push(text(left + hours.length * cellW + 10, 14, 'waiting list peak', `${SMALL}`));
  let row = 0;
  for (const department of departments) {
    const dy = headH + row * rowH;
    parts.push(text(8, dy + 11, department, `${LABEL} font-weight="700"`));
    row++;
    for (const d of summary.doctors.filter((x) => x.plan.department === department)) {
      const y0 = headH + row * rowH;
      parts.push(text(left - 8, y0 + 11, `${d.plan.id}  ${d.plan.name}`, `${FONT} font-size="10.5" fill="${COLOURS.text}" text-anchor="end"`));
      hours.forEach((h, i) => {
        const s = d.slots.find((x) => clock(x.start) === h);
        if (s === undefined) return;
        const cx = left + i * cellW;
        const u = s.capacity === 0 ? 0 : s.places / s.capacity;
        const closed = s.closedAt !== null;
        const fill = closed ? 'url(#hatch-heat)' : u > 1 ? COLOURS.elastic : heat(u);
        const tip = `${d.plan.name} ${s.label}: ${closed ? `closed at ${clock(s.closedAt!)}, ` : ''}${s.places}/${s.capacity} places${s.elastic > 0 ? ` (+${s.elastic} elastic)` : ''}`;
        parts.push(`<g>${rect(cx + 1, y0 + 1, cellW - 2, rowH - 2, `fill="${fill}"`)}<title>${html(tip)}</title></g>`);
        parts.push(
          text(
            cx + cellW / 2,
            y0 + 11,
            closed ? 'closed' : `${s.places}/${s.capacity}`,
            `${FONT} font-size="9.5" text-anchor="middle" fill="${!closed && u > 0.55 && u <= 1 ? '#fff' : '#222'}"`,
          ),
        );
      });
      const peak = d.peakWaiting;
      const wx = left + hours.length * cellW + 10;
      parts.push(rect(wx, y0 + 3, Math.min(100, peak * 1.5), rowH - 6, `fill="${COLOURS.waiting}" fill-opacity="0.6"`));
      parts.push(text(wx + Math.min(100, peak * 1.5) + 4, y0 + 11, String(peak), `${FONT} font-size="9.5" fill="${COLOURS.text}"`));
      row++;
    }
  }
  return svg(width, height, label, parts.join(''), 'chart heatmap');
}

/** White to blue by share of capacity used. */
function heat(u: number): string {
  const t = Math.max(0, Math.min(1, u));
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return `rgb(${mix(240, 0)},${mix(246, 94)},${mix(252, 160)})`;
}

/** Small bars, one per preset, for one figure (used side by side under `--compare`). */
export function presetBars(summaries: readonly Summary[], title: string, value: (s: Summary) => number, format: (v: number) => string): string {
  const width = 300;
  const left = 70;
  const barH = 18;
  const gap = 6;
  const height = 22 + summaries.length * (barH + gap);
  const max = Math.max(1e-9, ...summaries.map(value));
  const x = linear(0, max, left, width - 64);
  const parts = [text(0, 14, title, `${LABEL} font-weight="700"`)];
  summaries.forEach((s, i) => {
    const y0 = 22 + i * (barH + gap);
    const v = value(s);
    parts.push(text(left - 6, y0 + 13, s.result.preset, `${FONT} font-size="11" fill="${COLOURS.text}" text-anchor="end"`));
    parts.push(rect(left, y0, Math.max(1, x(v) - left), barH, `fill="${PRESET_COLOURS[s.result.preset] ?? COLOURS.place}"`));
    parts.push(text(Math.max(left + 1, x(v)) + 4, y0 + 13, format(v), `${FONT} font-size="11" fill="${COLOURS.text}"`));
  });
  return svg(width, height, title, parts.join(''), 'chart mini');
}
