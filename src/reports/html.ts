/**
 * A report as one self-contained HTML page: its figures, its charts drawn as inline SVG, its
 * tables, and the HMIS return when given. No script, no style sheet or font from elsewhere: the
 * page opens in any browser, offline.
 */
import { invalid } from '../errors.js';
import { readObject } from '../validate.js';
import type { HmisRow } from './hmis.js';
import type { OpdReport, ReportDimension, ReportRow } from './types.js';

/** Options of {@link reportHtml}. */
export interface ReportHtmlOptions {
  /** The page's title. @defaultValue `'OPD report'` */
  readonly title?: string | undefined;
  /** The HMIS return of the same report ({@link hmisReturn}), shown as a table. @defaultValue none */
  readonly hmis?: readonly HmisRow[] | undefined;
}

/** One series of a chart: its name and the figure each row gives it. */
export interface ReportChartSeries {
  /** The series' name (`attended`, `p50`), the bars' `data-series`. */
  readonly name: string;
  /** The figure of a row, the bar's `data-value` (`null`: no bar). */
  readonly value: (row: ReportRow) => number | null;
}

/** One bar chart of the page: a bar per row of one table and per series. */
export interface ReportChart {
  /** The chart's id, the `svg`'s `id` and `data-chart`. */
  readonly id: string;
  /** Its title. */
  readonly title: string;
  /** The table it draws. */
  readonly dimension: ReportDimension;
  /** What the figures count. */
  readonly unit: string;
  /** Its series. */
  readonly series: readonly ReportChartSeries[];
}

/**
 * The charts of the page, each from one table of the report: attendance by hour and by
 * department, waits per category (median and 95th percentile from due to call), no-shows per
 * channel, utilisation per doctor.
 */
export const REPORT_CHARTS: readonly ReportChart[] = [
  { id: 'attendance-by-hour', title: 'Attendance by hour', dimension: 'hour', unit: 'patients', series: [{ name: 'attended', value: (r) => r.attended }] },
  { id: 'attendance-by-department', title: 'Attendance by department', dimension: 'department', unit: 'patients', series: [{ name: 'attended', value: (r) => r.attended }] },
  {
    id: 'waits-by-category',
    title: 'Waits per category (due to call)',
    dimension: 'category',
    unit: 'minutes',
    series: [
      { name: 'p50', value: (r) => r.waits.dueToCall.p50 },
      { name: 'p95', value: (r) => r.waits.dueToCall.p95 },
    ],
  },
  { id: 'no-shows-by-channel', title: 'No-shows per channel', dimension: 'channel', unit: 'patients', series: [{ name: 'noShow', value: (r) => r.noShow }] },
  { id: 'utilisation-by-doctor', title: 'Utilisation per doctor', dimension: 'doctor', unit: 'places ÷ capacity', series: [{ name: 'utilisation', value: (r) => r.utilisation }] },
];

const COLOURS = ['#2f6fb0', '#d9822b'];

/** Text made safe for HTML content and attribute values. */
function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** A number as the page shows it: whole numbers as they are, others to two decimals. */
function shown(value: number | null): string {
  if (value === null) return '–';
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** One chart: a bar per row and series, each bar carrying its key, series and value. */
function chart(spec: ReportChart, rows: readonly ReportRow[]): string {
  const width = 640;
  const rowHeight = 18 * spec.series.length + 8;
  const left = 150;
  const height = Math.max(40, rows.length * rowHeight + 30);
  const max = Math.max(0, ...rows.flatMap((r) => spec.series.map((s) => s.value(r) ?? 0)));
  const scale = max === 0 ? 0 : (width - left - 60) / max;
  const bars = rows
    .map((row, i) => {
      const y = 10 + i * rowHeight;
      const label = `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${esc(row.key)}</text>`;
      const series = spec.series
        .map((s, j) => {
          const value = s.value(row);
          const w = value === null ? 0 : Math.max(value > 0 ? 1 : 0, value * scale);
          const by = y + j * 18;
          return (
            `<g class="bar" data-key="${esc(row.key)}" data-series="${s.name}" data-value="${value === null ? '' : String(value)}">` +
            `<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="16" fill="${COLOURS[j % COLOURS.length]}"><title>${esc(row.key)} ${s.name}: ${shown(value)}</title></rect>` +
            `<text x="${(left + w + 4).toFixed(1)}" y="${by + 12}">${shown(value)}</text></g>`
          );
        })
        .join('');
      return label + series;
    })
    .join('');
  const legend = spec.series.length > 1 ? `<p class="legend">${spec.series.map((s, j) => `<span style="color:${COLOURS[j % COLOURS.length]}">■</span> ${s.name}`).join(' ')}</p>` : '';
  return (
    `<section class="chart-box"><h2>${esc(spec.title)}</h2><p class="unit">${esc(spec.unit)}</p>${legend}` +
    `<svg class="chart" id="${spec.id}" data-chart="${spec.id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(spec.title)}">${bars}</svg></section>`
  );
}

const COLUMNS: readonly (readonly [string, (r: ReportRow) => number | null])[] = [
  ['requested', (r) => r.requested],
  ['booked', (r) => r.booked],
  ['attended', (r) => r.attended],
  ['no-show', (r) => r.noShow],
  ['cancelled (patient)', (r) => r.cancelledByPatient],
  ['cancelled (hospital)', (r) => r.cancelledByHospital],
  ['dropped', (r) => r.dropped],
  ['walk-in share', (r) => r.walkInShare],
  ['new', (r) => r.newPatients],
  ['repeat', (r) => r.repeatPatients],
  ['utilisation', (r) => r.utilisation],
  ['wait p50', (r) => r.waits.dueToCall.p50],
  ['wait p95', (r) => r.waits.dueToCall.p95],
  ['lead time p50', (r) => r.leadTime.p50],
  ['emergency to doctor p50', (r) => r.emergencyToDoctor.p50],
];

function table(dimension: string, rows: readonly ReportRow[]): string {
  const head = `<tr><th>${esc(dimension)}</th>${COLUMNS.map(([name]) => `<th>${esc(name)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr><td>${esc(r.key)}</td>${COLUMNS.map(([, f]) => `<td>${shown(f(r))}</td>`).join('')}</tr>`).join('');
  return `<section><h2>By ${esc(dimension)}</h2><table data-table="${esc(dimension)}">${head}${body}</table></section>`;
}

/**
 * A report as one self-contained HTML page: the totals, a chart for each of
 * {@link REPORT_CHARTS} whose table the report has (each bar carries `data-key`, `data-series` and
 * `data-value`, the figure of the report's JSON), every table, and the HMIS return when given.
 * No script and nothing fetched: it opens in any browser, offline. Keys (departments, channels)
 * are escaped; no patient data is in a report.
 * @param report - the report ({@link opdReport})
 * @param options - the title, and the HMIS return to show
 * @returns the HTML text
 * @throws OpdError `VALIDATION_FAILED` for a bad option
 */
export function reportHtml(report: OpdReport, options: ReportHtmlOptions = {}): string {
  const o = readObject('options', options, new Set(['title', 'hmis']));
  const title = o['title'] === undefined ? 'OPD report' : o['title'];
  if (typeof title !== 'string' || title.length > 200) throw invalid('title', 'Expected `title` to be text of at most 200 characters');
  const hmis = o['hmis'] as readonly HmisRow[] | undefined;
  const t = report.total;
  const cards = [
    ['Requested', t.requested],
    ['Attended', t.attended],
    ['No-shows', t.noShow],
    ['Walk-in share', t.walkInShare],
    ['Utilisation', t.utilisation],
    ['Wait p50 (min)', t.waits.dueToCall.p50],
    ['Emergencies to doctor p50 (min)', t.emergencyToDoctor.p50],
  ] as const;
  const charts = REPORT_CHARTS.filter((c) => report.tables[c.dimension] !== undefined).map((c) => chart(c, report.tables[c.dimension]!));
  const tables = report.by.map((d) => table(d, report.tables[d] ?? []));
  const hmisTable =
    hmis === undefined
      ? ''
      : `<section><h2>HMIS return</h2><table data-table="hmis"><tr><th>item</th><th>label</th><th>value</th></tr>${hmis.map((r) => `<tr><td>${esc(r.item)}</td><td>${esc(r.label)}</td><td>${r.value}</td></tr>`).join('')}</table></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2733;background:#fff}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.05rem;margin:1.2rem 0 .3rem}
.period{color:#555;margin:0 0 1rem}.cards{display:flex;flex-wrap:wrap;gap:.6rem}
.card{border:1px solid #d5dce4;border-radius:6px;padding:.5rem .8rem;min-width:8rem}
.card b{display:block;font-size:1.3rem}.unit,.legend{color:#666;font-size:.8rem;margin:0}
svg.chart text{font-size:11px;fill:#1d2733}table{border-collapse:collapse;font-size:.8rem}
td,th{border:1px solid #d5dce4;padding:.2rem .45rem;text-align:right}td:first-child,th:first-child{text-align:left}table[data-table="hmis"] td:nth-child(2){text-align:left}
</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="period">${esc(report.from)} to ${esc(report.to)} (${esc(report.timeZone)})</p>
<div class="cards">${cards.map(([name, value]) => `<div class="card" data-total="${esc(name)}">${esc(name)}<b>${shown(value)}</b></div>`).join('')}</div>
${charts.join('\n')}
${hmisTable}
${tables.join('\n')}
</body></html>
`;
}
