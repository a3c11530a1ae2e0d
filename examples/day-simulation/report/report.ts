/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing fetched),
 * written for the hospital staff who choose a policy by looking at it.
 */
import { html, int, minutes, percent } from '../format.js';
import { describeCallOrder } from '../call-order.js';
import { PRESET_SUMMARIES, PRIORITY_SUMMARIES, QUOTA_SUMMARY, WINDOWS_SUMMARY } from '../policies.js';
import { percentile, type DoctorRow, type Summary } from '../summary.js';
import { DETAILED_DOCTORS, elasticGranted, plural, stageWord, type RunHeader } from '../text.js';
import { clock, longDate, TIME_ZONE } from '../time.js';
import {
  fairnessBars,
  outcomeBars,
  outcomeLegend,
  outcomeRows,
  presetBars,
  slotHeatmap,
  timeline,
  timeRange,
  utilisationBars,
  utilisationByHour,
  waitBoxes,
} from './charts.js';
import { COLOURS, legendSymbol, PRESET_COLOURS, swatch } from './svg.js';

/** Doctors whose timelines a large scenario shows (the busiest with movements). */
const TIMELINES_SHOWN = 12;
/** Doctors whose timelines `--compare` shows side by side. */
const COMPARED_TIMELINES = 3;

/** Renders the report of one run, or of every preset side by side under `--compare`. */
export function renderReport(header: RunHeader, summaries: readonly Summary[], compare: boolean): string {
  const first = summaries[0]!;
  const { scenario } = header;
  const title = compare ? `OPD day simulation: presets compared — ${scenario.name}` : `OPD day simulation: ${scenario.name}, ${first.result.preset}`;
  const body = compare ? compareBody(header, summaries) : dayBody(header, first);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${html(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function command(header: RunHeader, summary: Summary, compare: boolean): string {
  const flags = [`--seed ${header.seed}`, `--scenario ${header.scenario.name}`];
  if (header.scenario.name === 'hospital' && header.scenario.doctors.length !== 200) flags.push(`--doctors ${header.scenario.doctors.length}`);
  flags.push(compare ? '--compare' : `--preset ${summary.result.preset}`);
  if (summary.result.priority !== 'standard') flags.push(`--priority ${summary.result.priority}`);
  if (header.storage !== 'memory') flags.push(`--storage ${header.storage}`);
  const order = summary.result.callOrder;
  if (order !== null) flags.push(Object.keys(order).length === 0 ? '--call-order fair' : `--call-order '${JSON.stringify(order)}'`);
  return `npm run simulate -- ${flags.join(' ')}`;
}

function pageHeader(header: RunHeader, summary: Summary, compare: boolean, heading: string): string {
  const { scenario } = header;
  return `<header>
<p class="eyebrow">OPD day simulation · ${html(longDate(scenario.day))} · ${TIME_ZONE}</p>
<h1>${html(heading)}</h1>
<p class="scenario">${html(scenario.title)}.</p>
<dl class="facts">
${compare ? '' : `<div><dt>Preset</dt><dd><b>${html(summary.result.preset)}</b> — ${html(PRESET_SUMMARIES[summary.result.preset])}</dd></div>`}
<div><dt>Priority</dt><dd><b>${html(summary.result.priority)}</b> — ${html(PRIORITY_SUMMARIES[summary.result.priority])} <span class="muted">(${html(summary.result.policyName)})</span></dd></div>
<div><dt>Quota</dt><dd>${html(QUOTA_SUMMARY)}</dd></div>
<div><dt>Booking window</dt><dd>${html(WINDOWS_SUMMARY)}</dd></div>
<div><dt>Call order</dt><dd>${html(describeCallOrder(summary.result.callOrder))}</dd></div>
<div><dt>Seed</dt><dd>${header.seed} · storage ${html(header.storage)} · reproduce with <code>${html(command(header, summary, compare))}</code></dd></div>
</dl>
</header>`;
}

function demandSentence(summary: Summary): string {
  const { result } = summary;
  const seniors = result.patients.filter((p) => p.age >= 60).length;
  return `${int(result.patients.length)} patients asked for the ${int(summary.capacity)} places of ${plural(result.scenario.doctors.length, 'doctor')} (${plural(summary.slotCount, 'slot')}); ${int(seniors)} of them were aged 60 or more.`;
}

function dayBody(header: RunHeader, summary: Summary): string {
  const { result } = summary;
  const { stats } = result;
  const range = timeRange([summary]);
  const walkIn = summary.waits.find((w) => w.label === 'WALK_IN');
  const walkInP50 = walkIn === undefined ? null : percentile(walkIn.actual, 50);
  const emergency = summary.waits.find((w) => w.label === 'EMERGENCY');
  const emergencyP50 = emergency === undefined ? null : percentile(emergency.actual, 50);
  const lead = `${demandSentence(summary)} <b>${int(summary.byStatus.COMPLETED)}</b> were seen by a doctor, ${int(summary.byStatus.NO_SHOW)} never came, ${int(summary.byStatus.CANCELLED)} cancelled or gave up waiting, ${int(summary.byStatus.DROPPED)} were dropped, ${int(summary.byStatus.WAITLISTED)} were still on a waiting list when the OPD closed and ${int(result.refusals.length)} requests were refused.${
    walkInP50 === null ? '' : ` Half of the walk-in patients saw the doctor within <b>${Math.round(walkInP50)} minutes</b> of registering`
  }${emergencyP50 === null ? '.' : `; half of the emergencies within <b>${Math.round(emergencyP50)} minutes</b>.`}${emergencySentence(summary)}`;

  const cards = [
    card('Seen', int(summary.byStatus.COMPLETED), 'consultations completed', 'good'),
    card('No-shows', int(summary.byStatus.NO_SHOW), 'swept after the 15-minute grace period'),
    card('Cancelled or left', int(summary.byStatus.CANCELLED), 'on the portal, or gave up waiting'),
    card('Dropped', int(summary.byStatus.DROPPED), 'displaced with nowhere to go', summary.byStatus.DROPPED > 0 ? 'bad' : ''),
    card('Still waiting', int(summary.byStatus.WAITLISTED), 'on a waiting list at the end', summary.byStatus.WAITLISTED > 0 ? 'warn' : ''),
    card('Refused', int(result.refusals.length), 'requests turned away (no token)', result.refusals.length > 0 ? 'bad' : ''),
    card('Bumps', int(stats.bumps), 'a more urgent patient took the place'),
    card('Cascades', int(stats.cascades), 'displaced patients moved to a later slot'),
    card('Promotions', int(stats.promotions), 'waiting patients given a freed place'),
    card(
      'Holds',
      int(result.holds.made),
      `paid places held while paying: ${int(result.holds.confirmed)} confirmed, ${int(result.holds.expired)} expired unpaid`,
    ),
    card(
      'Scan & Share',
      int(result.rails.shares),
      `ABDM tokens held from the QR scan: ${int(result.rails.shareConfirmed)} confirmed at the counter, ${int(result.rails.shareExpired)} expired, ${int(result.rails.shareAtDesk)} registered at the desk (no place to hold)`,
    ),
    card(
      'UHI',
      int(result.rails.uhiInits),
      `orders from UHI apps: ${int(result.rails.uhiConfirmed)} confirmed, ${int(result.rails.uhiExpired)} expired unconfirmed, ${int(result.rails.pinCheckIns)} checked in with their PIN`,
    ),
    ...(result.offers === null
      ? []
      : [
          card(
            'Offers',
            int(result.offers.made),
            `freed places offered: ${int(result.offers.accepted)} accepted, ${int(result.offers.lapsed)} lapsed, ${int(result.offers.backToPromotion)} back to promotion${
              result.offers.minutesSooner.length === 0
                ? ''
                : `; ${int(result.offers.minutesSooner.length)} patients seen sooner (median ${int(percentile(result.offers.minutesSooner, 50)!)} min)`
            }`,
          ),
        ]),
    ...(result.callOrder === null
      ? []
      : [card('Call order', 'fair', `${describeCallOrder(result.callOrder)}: who callNext calls among the patients checked in (emergencies first)`)]),
    ...(result.journeys === null
      ? []
      : [
          card(
            'Whole visit',
            `${minutes(result.fairness.visits.mean)} min`,
            `mean from check-in at registration to the completed consultation (p90 ${minutes(result.fairness.visits.p90)} min); ${int(result.journeys.toLab)} sent to the lab and back`,
          ),
        ]),
    card(
      'Day closed',
      int(result.closeOut.expired + result.closeOut.carried),
      `patients never seen when the day closed: ${int(result.closeOut.expired)} expired, ${int(result.closeOut.carried)} carried to a later day`,
    ),
    card('Elastic places', int(elasticGranted(summary)), 'granted beyond capacity (emergencies)'),
    card('Utilisation', percent(stats.utilisation), 'of the places in open slots were used'),
  ].join('');

  const large = summary.doctors.length > DETAILED_DOCTORS;
  const shown = large ? busiest(summary.doctors, TIMELINES_SHOWN) : summary.doctors;
  const timelines = shown
    .map(
      (d) => `<figure class="doctor">
<figcaption><b>${html(d.plan.name)}</b> — ${html(d.plan.department)} · ${formatMinutes(d.plan.consultMinutes)} min per patient · ${workSpan(d)} · ${movementText(d)}</figcaption>
${timeline(summary, d, range)}
</figure>`,
    )
    .join('\n');

  return `${pageHeader(header, summary, false, `One OPD day with the ${result.preset} preset`)}
<main>
<section id="summary">
<p class="lead">${lead}</p>
<div class="cards">${cards}</div>
<h2>What happened to every request</h2>
<p class="help">Each bar is 100% of the requests of one kind; hover over a part to see the count.</p>
<div class="legend">${outcomeLegend()
    .map(([label, colour]) => swatch(colour, label))
    .join('')}</div>
${outcomeBars(outcomeRows(summary, true), 'What happened to the requests of each kind')}
</section>

<section id="timelines">
<h2>The day, doctor by doctor</h2>
<p class="help">Each row is one slot; the framed part is the hour it covers. The blue area is how many places were held at each moment
(the dashed line is the slot's capacity, orange is elastic places beyond it), from the portal opening at ${clock(result.scenario.startsAt)} to the last consultation.
Symbols mark what the policy did; hover over one for the token number and category. The purple area below is the doctor's waiting list.</p>
${timelineLegend(summary)}
${large ? `<p class="help">The ${shown.length} doctors with the most bumps, cascades, promotions, drops and elastic places are shown; the heat map under <a href="#utilisation">utilisation</a> shows every doctor.</p>` : ''}
${timelines}
</section>

<section id="waits">
<h2>How long patients waited</h2>
<p class="help">${WAITS_HELP} Box plots: the line is the median (half waited less), the box holds the middle half of the patients, the whiskers reach from 5% to 95%.</p>
<h3>From arrival at the hospital to the estimated start (as the scheduler computed it at the end of the day)</h3>
${waitBoxes([summary], (w) => w.estimated, 'Waits from arrival to estimated start, by kind of patient')}
<h3>From arrival at the hospital to the start of the consultation (patients seen)</h3>
${waitBoxes([summary], (w) => w.actual, 'Waits from arrival to consultation, by kind of patient')}
<h3>Waits per category under ${result.callOrder === null ? 'queue order' : 'the fair call order'}, as the scheduler's fairness ledger counts them</h3>
<p class="help">From when each patient was due (the later of the request and the start of their slot) to the doctor: the dark bar reaches the median, the light one the 95th percentile.
Skips are patients of the same or a better rank, due earlier, seen later than another; the run is the longest stretch of better-ranked patients seen while one patient waited.</p>
<p class="help">The doctors call the next patient with <code>callNext</code>, so the call order decides who is seen: ${html(describeCallOrder(result.callOrder))}.</p>
${fairnessBars(summary, `Waits from due to the doctor per category under ${describeCallOrder(result.callOrder)}, with skips`)}
${stageWaitsTable([summary])}
${estimateErrorTable([summary])}
</section>

<section id="utilisation">
<h2>Utilisation per slot</h2>
${
  large
    ? `<p class="help">Places used at the end of the day, as a share of capacity, across all doctors; then every doctor's slots (darker blue = fuller, orange = elastic places beyond capacity, hatched = closed).</p>
${utilisationByHour([summary], 'Utilisation by hour across all doctors')}
${slotHeatmap(summary, 'Every doctor’s slots: places used against capacity')}`
    : `<p class="help">Places held at the end of the day against each slot's capacity (100% = full; orange = elastic places beyond capacity). No-shows and cancellations free places, which the waiting list may take.</p>
${utilisationBars(summary, 'Utilisation per slot')}`
}
</section>
${hmisSection(summary)}
${closuresSection([summary])}
${checksSection([summary])}
${aboutSection()}
</main>`;
}

/** The day's HMIS return: the OPD items of India's facility HMIS format, from the day's events (`opd-scheduler/reports`). */
function hmisSection(summary: Summary): string {
  const rows = summary.result.hmis.map((r) => `<tr><td>${html(r.item)}</td><td class="label">${html(r.label)}</td><td>${int(r.value)}</td></tr>`).join('');
  return `<section id="hmis">
<h2>The day's HMIS return</h2>
<p class="help">The OPD items of the facility HMIS format, counted by <code>hmisReturn</code> from the day's events: attendance is the consultations completed,
by the doctors' system of medicine and specialist OPDs; emergencies are the patients registered as <code>EMERGENCY</code>. The simulated hospital has no
AYUSH doctors, no teleconsultations and no referrals out.</p>
<table class="hmis"><thead><tr><th>Item</th><th>Label</th><th>Value</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

/** The estimate error per preset: estimated start at booking against the consultation start. */
/** Where the time goes on a visit, per preset: each stage's mean and p90 wait, and the whole visit (the scheduler's `fairness()`); empty without journeys. */
function stageWaitsTable(summaries: readonly Summary[]): string {
  const withJourneys = summaries.filter((s) => s.result.journeys !== null);
  if (withJourneys.length === 0) return '';
  const names = [...new Map(withJourneys.flatMap((s) => s.result.fairness.stages.map((x) => [`${x.kind}/${x.round}`, x] as const))).values()];
  const cell = (w: { readonly mean: number | null; readonly p90: number | null } | undefined): string =>
    `<td>${minutes(w?.mean ?? null)}</td><td>${minutes(w?.p90 ?? null)}</td>`;
  const rows = withJourneys
    .map((s) => {
      const stage = (kind: string, round: number) => s.result.fairness.stages.find((x) => x.kind === kind && x.round === round)?.waits;
      return `<tr><th scope="row">${html(s.result.preset)}</th>${names.map((n) => cell(stage(n.kind, n.round))).join('')}${cell(s.result.fairness.visits)}</tr>`;
    })
    .join('');
  const heads = [...names.map((n) => stageWord(n.kind, n.round)), 'whole visit'].map((h) => `<th scope="colgroup" colspan="2">${html(h)}</th>`).join('');
  const sub = [...names, null].map(() => '<th scope="col">mean</th><th scope="col">p90</th>').join('');
  return `<h3 id="stages">Where the time goes: waits at each stage of the visit, and the whole visit</h3>
<p class="help">Minutes, as the scheduler's <code>fairness()</code> counts them: from entering each queue (the check-in at registration, or the forward into it) to the call there; "doctor (back)" is the wait of patients back from the lab, who re-enter the doctor's queue ahead of those not yet seen (<code>ReturnAhead</code>). The whole visit runs from check-in to the completed consultation, service times and the lab's tests included.</p>
<table class="stages"><thead><tr><th scope="col" rowspan="2">preset</th>${heads}</tr><tr>${sub}</tr></thead><tbody>${rows}</tbody></table>`;
}

function estimateErrorTable(summaries: readonly Summary[]): string {
  const m = (v: number | null): string => (v === null ? '–' : v.toFixed(1));
  const rows = summaries
    .map((s) => {
      const e = s.estimateError;
      return `<tr><th scope="row">${html(s.result.preset)}</th><td>${int(e.patients)}</td><td>${m(e.median)}</td><td>${m(e.p90)}</td><td>${m(e.meanAbsolute)}</td><td>${m(e.bias)}</td></tr>`;
    })
    .join('');
  return `<h3 id="estimate-error">Estimate error: the estimated start a booking answered with, against the start of the consultation</h3>
<p class="help">Minutes, over the patients seen who got a place when they booked. The estimate follows the doctor's day live (when the doctor started, who is in consultation, how long consultations are taking); bias is the median of (consultation − estimate): positive when patients were seen later than told.</p>
<table class="estimate-error"><thead><tr><th scope="col">preset</th><th scope="col">patients</th><th scope="col">median</th><th scope="col">p90</th><th scope="col">mean absolute</th><th scope="col">bias</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function compareBody(header: RunHeader, summaries: readonly Summary[]): string {
  const first = summaries[0]!;
  const range = timeRange(summaries);
  const walkInActual = (s: Summary): number => percentile(s.waits.find((w) => w.label === 'WALK_IN')?.actual ?? [], 50) ?? 0;
  const emergencyActual = (s: Summary): number => percentile(s.emergencies.toConsultation, 95) ?? 0;
  const emergencyLongest = (s: Summary): number => percentile(s.emergencies.toConsultation, 100) ?? 0;
  const presetCards = summaries
    .map(
      (s) => `<article class="preset" style="border-top-color:${PRESET_COLOURS[s.result.preset] ?? COLOURS.place}">
<h3>${html(s.result.preset)}</h3>
<p>${html(PRESET_SUMMARIES[s.result.preset])}</p>
<ul>
<li><b>${int(s.byStatus.COMPLETED)}</b> seen</li>
<li><b>${int(s.result.refusals.length + s.byStatus.DROPPED)}</b> refused or dropped</li>
<li><b>${int(s.byStatus.WAITLISTED)}</b> still waiting at the end</li>
<li><b>${int(s.result.stats.bumps)}</b> bumps · <b>${int(s.result.stats.cascades)}</b> cascades · <b>${int(s.result.stats.promotions)}</b> promotions</li>
<li>walk-ins seen in <b>${Math.round(walkInActual(s))}</b> min (median)</li>
<li>emergencies seen in <b>${Math.round(emergencyActual(s))}</b> min (p95), the longest in <b>${Math.round(emergencyLongest(s))}</b></li>
</ul>
</article>`,
    )
    .join('\n');
  const minutes = (v: number): string => `${Math.round(v)} min`;
  const minis = [
    presetBars(summaries, 'Seen by a doctor', (s) => s.byStatus.COMPLETED, int),
    presetBars(summaries, 'Refused or dropped', (s) => s.result.refusals.length + s.byStatus.DROPPED, int),
    presetBars(summaries, 'Cancelled or gave up', (s) => s.byStatus.CANCELLED, int),
    presetBars(summaries, 'Still waiting at the end', (s) => s.byStatus.WAITLISTED, int),
    presetBars(summaries, 'Bumps', (s) => s.result.stats.bumps, int),
    presetBars(summaries, 'Cascades', (s) => s.result.stats.cascades, int),
    presetBars(summaries, 'Promotions', (s) => s.result.stats.promotions, int),
    presetBars(summaries, 'Elastic places granted', elasticGranted, int),
    presetBars(summaries, 'Walk-in wait to the doctor (median)', walkInActual, minutes),
    presetBars(summaries, 'Emergency wait to the doctor (p95)', emergencyActual, minutes),
    presetBars(summaries, 'Emergency wait to the doctor (longest)', emergencyLongest, minutes),
    presetBars(summaries, 'Emergencies left waiting for want of room', (s) => s.emergencies.unplaced, int),
    presetBars(summaries, 'Utilisation of open slots', (s) => s.result.stats.utilisation, percent),
  ].join('');

  const large = first.doctors.length > DETAILED_DOCTORS;
  const doctorIds = pickCompared(summaries);
  const timelines = doctorIds
    .map((id) => {
      const plan = first.doctors.find((d) => d.plan.id === id)!.plan;
      const cells = summaries
        .map((s) => {
          const d = s.doctors.find((x) => x.plan.id === id)!;
          return `<figure class="cell"><figcaption><span class="tag" style="background:${PRESET_COLOURS[s.result.preset] ?? COLOURS.place}">${html(s.result.preset)}</span> ${movementText(d)}</figcaption>${timeline(s, d, range, true)}</figure>`;
        })
        .join('');
      return `<h3>${html(plan.name)} — ${html(plan.department)}</h3><div class="side-by-side">${cells}</div>`;
    })
    .join('\n');

  const utilisation = large
    ? utilisationByHour(summaries, 'Utilisation by hour across all doctors, per preset')
    : `<div class="side-by-side">${summaries
        .map(
          (s) =>
            `<figure class="cell"><figcaption><span class="tag" style="background:${PRESET_COLOURS[s.result.preset] ?? COLOURS.place}">${html(s.result.preset)}</span></figcaption>${utilisationBars(s, `Utilisation per slot, ${s.result.preset}`, true)}</figure>`,
        )
        .join('')}</div>`;

  const presetLegend = `<div class="legend">${summaries.map((s) => swatch(PRESET_COLOURS[s.result.preset] ?? COLOURS.place, s.result.preset)).join('')}</div>`;
  return `${pageHeader(header, first, true, 'The same OPD day under every preset')}
<main>
<section id="summary">
<p class="lead">${demandSentence(first)} The very same patients — same requests, arrivals, cancellations and no-shows, second for second — went through each preset.</p>
<div class="presets">${presetCards}</div>
<h2>What happened to every request</h2>
<div class="legend">${outcomeLegend()
    .map(([label, colour]) => swatch(colour, label))
    .join('')}</div>
${outcomeBars(
  summaries.map((s) => ({ ...outcomeRows(s, false)[0]!, colour: PRESET_COLOURS[s.result.preset] ?? COLOURS.place })),
  'What happened to the requests, per preset',
)}
<h2>Side by side</h2>
<div class="minis">${minis}</div>
</section>

<section id="waits">
<h2>How long patients waited, per preset</h2>
<p class="help">${WAITS_HELP} For each kind of patient, one box per preset: the line is the median, the box the middle half, the whiskers 5% to 95%.</p>
${presetLegend}
<h3>From arrival at the hospital to the estimated start</h3>
${waitBoxes(summaries, (w) => w.estimated, 'Waits from arrival to estimated start, per preset')}
<h3>From arrival at the hospital to the start of the consultation (patients seen)</h3>
${waitBoxes(summaries, (w) => w.actual, 'Waits from arrival to consultation, per preset')}
${stageWaitsTable(summaries)}
${estimateErrorTable(summaries)}
</section>

<section id="utilisation">
<h2>Utilisation per slot, per preset</h2>
<p class="help">Places held at the end of the day against capacity (100% = full; orange = elastic places beyond capacity).</p>
${large ? presetLegend : ''}
${utilisation}
</section>

<section id="timelines">
<h2>The day under each preset</h2>
<p class="help">${doctorIds.length < first.doctors.length ? `The ${doctorIds.length} doctors where the presets differ most. ` : ''}Each row is one slot; blue is places held (orange beyond capacity, dashed line = capacity); symbols mark what the policy did.</p>
${timelineLegend(first)}
${timelines}
</section>
${closuresSection(summaries)}
${checksSection(summaries)}
${aboutSection()}
</main>`;
}

export function card(title: string, value: string, note: string, tone = ''): string {
  return `<div class="card ${tone}"><div class="value">${value}</div><div class="title">${html(title)}</div><div class="note">${html(note)}</div></div>`;
}

function timelineLegend(summary: Summary): string {
  return `<div class="legend">
${swatch(COLOURS.placeFill, 'places held')}${swatch(COLOURS.elastic, 'elastic places (beyond capacity)')}<span class="key"><span class="dash"></span>capacity</span>
${swatch(COLOURS.waiting, summary.result.preset === 'waitlist' ? 'waiting list (line: waiting for that slot)' : 'waiting list')}
<span class="key">${legendSymbol('bump')}bumped (lost the place to a more urgent patient)</span>
<span class="key">${legendSymbol('cascade')}cascaded here from an earlier slot</span>
<span class="key">${legendSymbol('promotion')}promoted from the waiting list</span>
<span class="key">${legendSymbol('drop')}dropped (nowhere to go)</span>
<span class="key">${legendSymbol('elastic')}elastic place granted</span>
<span class="key"><span class="hatch"></span>slot closed</span>
</div>`;
}

function movementText(d: DoctorRow): string {
  const m = d.movements;
  const parts = [
    [m.bump, 'bump'],
    [m.cascade, 'cascade'],
    [m.promotion, 'promotion'],
    [m.drop, 'drop'],
    [m.elastic, 'elastic place'],
  ] as const;
  const said = parts.filter(([v]) => v > 0).map(([v, word]) => `${v} ${word}${v === 1 ? '' : 's'}`);
  return said.length === 0 ? 'no movements' : said.join(', ');
}

function workSpan(d: DoctorRow): string {
  const { firstConsultAt, lastConsultEnd } = d.track;
  return firstConsultAt === null ? 'saw nobody' : `seeing patients ${clock(firstConsultAt)}–${clock(lastConsultEnd ?? firstConsultAt)}`;
}

function weight(d: DoctorRow): number {
  const m = d.movements;
  return m.bump + m.cascade + m.promotion + m.drop * 2 + m.elastic + m.closed * 3;
}

/** The doctors with the most happening (ties in the scenario's order). */
function busiest(doctors: readonly DoctorRow[], count: number): DoctorRow[] {
  return doctors
    .map((d, i) => ({ d, i, w: weight(d) }))
    .sort((a, b) => b.w - a.w || a.i - b.i)
    .slice(0, count)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.d);
}

/** Doctors to show side by side: all of a small scenario, else those where the presets differ most. */
function pickCompared(summaries: readonly Summary[]): string[] {
  const first = summaries[0]!;
  if (first.doctors.length <= COMPARED_TIMELINES) return first.doctors.map((d) => d.plan.id);
  const score = first.doctors.map((d, i) => {
    const weights = summaries.map((s) => weight(s.doctors[i]!));
    return { id: d.plan.id, i, w: weights.reduce((a, b) => a + b, 0) + (Math.max(...weights) - Math.min(...weights)) * 2 };
  });
  return score
    .sort((a, b) => b.w - a.w || a.i - b.i)
    .slice(0, COMPARED_TIMELINES)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.id);
}

function closuresSection(summaries: readonly Summary[]): string {
  const rows = summaries.flatMap((s) =>
    s.result.closures.map((c) => {
      const doctor = s.result.scenario.doctors.find((d) => d.id === c.doctorId)!;
      const same = c.predicted.length === c.happened.length && c.predicted.every((p, i) => p === c.happened[i]);
      return `<tr>${summaries.length > 1 ? `<td>${html(s.result.preset)}</td>` : ''}<td>${clock(c.at)}</td><td>${html(doctor.name)}</td><td>${clock(c.from)}–${clock(c.to)} (${c.slotIds.length} slots)</td><td>${html(c.reason)}</td><td class="num">${c.moved}</td><td class="num">${c.waitlisted}</td><td class="num">${c.dropped}</td><td>${same ? '✓ as predicted' : '✗ differs'}</td></tr>`;
    }),
  );
  if (rows.length === 0) return '';
  return `<section id="closures">
<h2>Doctors leaving early</h2>
<p class="help">The desk previews each leave with <code>closeSlots(doctorId, { from, to, dryRun: true })</code>, then closes every slot of it in one unit; each displaced patient moves once, where the preset sends them.</p>
<table><thead><tr>${summaries.length > 1 ? '<th>preset</th>' : ''}<th>at</th><th>doctor</th><th>leave</th><th>reason</th><th>moved (later or to a colleague)</th><th>waitlisted</th><th>dropped</th><th>dry run</th></tr></thead>
<tbody>${rows.join('')}</tbody></table>
</section>`;
}

/** Emergencies: 95% and the longest wait to the doctor, and those left waiting for want of room. */
function emergencySentence(summary: Summary): string {
  const e = summary.emergencies;
  if (e.toConsultation.length === 0) return '';
  const p95 = Math.round(percentile(e.toConsultation, 95)!);
  const longest = Math.round(percentile(e.toConsultation, 100)!);
  const waiting =
    e.waitingAtEnd === 0
      ? 'none was still waiting at the end'
      : `${int(e.waitingAtEnd)} were still waiting at the end, with no room left in their doctor's day`;
  return ` 95% of the emergencies saw the doctor within <b>${p95} minutes</b> of registering, the longest wait was ${longest} minutes, and ${waiting}.`;
}

/** What the wait charts measure. */
const WAITS_HELP =
  'Every wait starts when the patient is at the hospital: walk-in, paid and emergency patients when they register at the desk, online and follow-up patients (who book ahead) when they arrive, near their slot.';

function checksSection(summaries: readonly Summary[]): string {
  const items = summaries.flatMap((s) =>
    s.checks.map(
      (c) => `<li class="${c.ok ? 'ok' : 'fail'}">${c.ok ? '✓' : '✗'} ${summaries.length > 1 ? `<b>${html(s.result.preset)}</b>: ` : ''}${html(c.text)}</li>`,
    ),
  );
  return `<section id="checks">
<h2>Checks</h2>
<p class="help">The simulation follows every event the scheduler emits and compares what it saw with the scheduler's own figures.</p>
<ul class="checks">${items.join('')}</ul>
</section>`;
}

function aboutSection(): string {
  return `<section id="about">
<h2>How the day was simulated</h2>
<ul>
<li><b>Online</b> patients book ahead on the portal (it opens at 06:00) for a slot they choose; <b>follow-ups</b> come with a slot given at their last visit. Some cancel, some never come (about one in seven), some come late and register again at the desk.</li>
<li><b>Walk-ins</b> register at the desk, most of them in the registration rush from 30 minutes before the OPD opens to 90 minutes after; they get the earliest slot with room. <b>Paid priority</b> patients buy a place in the next slot.</li>
<li><b>Emergencies</b> come at any time and ask for the slot in progress; a road accident brings several at once.</li>
<li>Patients in the hospital report at the doctor's room around their slot's start (a checked-in patient is never bumped); those who never report are swept as no-shows 15 minutes into their slot. Patients waiting without a place give up after 45 to 150 minutes.</li>
<li>Doctors call checked-in patients, emergencies first, then by slot and queue position; consultations vary in length around the doctor's minutes per patient.</li>
<li>Everything random is drawn from the seed before the day starts, so every preset sees the same patients; the scheduler's clock is the simulated clock. Times are ${TIME_ZONE}.</li>
</ul>
<p class="help">Definitions: a <b>place</b> is a token booked, checked in, in consultation or completed in a slot; <b>elastic places</b> are places beyond capacity that the preset grants (to emergencies); <b>bumped</b>: a more urgent patient took the place; <b>cascaded</b>: a displaced patient moved to a later slot; <b>promoted</b>: a waiting patient got a freed place; <b>dropped</b>: a displaced patient had nowhere to go.</p>
</section>`;
}

function formatMinutes(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export const CSS = `
:root { --text: ${COLOURS.text}; --muted: ${COLOURS.muted}; --line: #e2e2e2; --bg: #ffffff; --panel: #f7f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--text); background: var(--bg); }
header, main { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; padding-bottom: 8px; border-bottom: 1px solid var(--line); }
.eyebrow { margin: 0; color: var(--muted); font-size: 13px; letter-spacing: .02em; }
h1 { margin: 4px 0 4px; font-size: 28px; line-height: 1.2; }
h2 { margin: 36px 0 8px; font-size: 21px; }
h3 { margin: 22px 0 6px; font-size: 16px; }
.scenario { margin: 0 0 10px; font-size: 16px; }
.facts { display: grid; gap: 2px; margin: 0 0 12px; }
.facts div { display: flex; gap: 10px; }
.facts dt { width: 70px; flex: none; color: var(--muted); }
.facts dd { margin: 0; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel); padding: 1px 5px; border-radius: 4px; }
.muted { color: var(--muted); }
.lead { font-size: 17px; margin: 22px 0 14px; max-width: 900px; }
.help { color: var(--muted); margin: 4px 0 10px; max-width: 920px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.card { background: var(--panel); border-radius: 8px; padding: 10px 12px; border-left: 4px solid #cfd6de; }
.card.good { border-left-color: #2e8b57; } .card.bad { border-left-color: ${COLOURS.bump}; } .card.warn { border-left-color: ${COLOURS.waiting}; }
.stages th, .stages td { padding: 2px 8px; text-align: right; } .stages th[scope='row'] { text-align: left; }
.card .value { font-size: 26px; font-weight: 700; line-height: 1.1; }
.card .title { font-weight: 600; }
.card .note { color: var(--muted); font-size: 12.5px; line-height: 1.3; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 6px 0 10px; font-size: 13px; align-items: center; }
.key { display: inline-flex; align-items: center; gap: 6px; }
.swatch { width: 14px; height: 14px; border-radius: 3px; display: inline-block; border: 1px solid rgba(0,0,0,.15); }
.dash { width: 18px; border-top: 2px dashed ${COLOURS.place}; display: inline-block; }
.hatch { width: 14px; height: 14px; display: inline-block; border: 1px solid #bbb; background: repeating-linear-gradient(45deg, #f0f0f0 0 3px, #c4c4c4 3px 5px); }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; }
svg.heatmap { max-width: 820px; }
svg.legend-symbol { display: inline-block; width: 14px; height: 14px; }
figure { margin: 14px 0 22px; }
figure.doctor figcaption { margin-bottom: 4px; }
.side-by-side { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 10px 22px; }
.side-by-side figure { margin: 4px 0 10px; }
.cell figcaption { font-size: 13px; color: var(--muted); margin-bottom: 2px; }
.tag { display: inline-block; color: #fff; font-weight: 600; padding: 0 8px; border-radius: 10px; font-size: 12.5px; }
.presets { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 12px; }
.preset { background: var(--panel); border-radius: 8px; padding: 10px 14px; border-top: 5px solid #999; }
.preset h3 { margin: 2px 0 4px; font-size: 18px; }
.preset p { margin: 0 0 6px; color: var(--muted); font-size: 13px; line-height: 1.35; }
.preset ul { margin: 0; padding-left: 18px; }
.minis { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 14px 22px; }
svg.mini { max-width: 340px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.checks { list-style: none; padding: 0; }
.checks li { padding: 2px 0; }
.checks .ok { color: #1f6f43; } .checks .fail { color: ${COLOURS.bump}; font-weight: 700; }
#about ul { max-width: 920px; }
section { break-inside: avoid-page; }
@media print { body { font-size: 12px; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
`;
