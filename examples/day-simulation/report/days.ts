/**
 * The HTML report of a `--days` run: the days side by side and, with returning patients, what
 * coming back did (follow-ups booked, due and seen; series occurrences booked and kept; free
 * revisits used). One self-contained file, like the day's report.
 */
import type { DaysOutcome } from '../days.js';
import { html, int } from '../format.js';
import { PRESET_SUMMARIES } from '../policies.js';
import { COME_BACK, comeBackIn, DIALYSIS, FREE_REVISITS, publishedAhead } from '../returning.js';
import { longDate, TIME_ZONE } from '../time.js';
import { card, CSS } from './report.js';

/** Renders the report of a run of days; `command` is how to run it again. */
export function renderDaysReport(outcome: DaysOutcome, command: string, afterDays: readonly [number, number] | null): string {
  const last = outcome.lines.at(-1)?.day ?? outcome.firstDay;
  const title = `OPD days simulation: ${outcome.days} days, ${outcome.preset}`;
  const f = outcome.returning;
  const cards = [
    card('Requests', int(outcome.requests), 'patients who asked, over all days'),
    card('Tokens', int(outcome.tokens), 'bookings, holds and waitlistings'),
    card('Seen', int(outcome.lines.reduce((n, l) => n + l.seen, 0)), 'consultations completed', 'good'),
    ...(f === null
      ? []
      : [
          card(
            'Follow-ups booked',
            int(f.followUpsBooked),
            `of ${int(f.followUpsAsked)} patients told to come back; ${int(f.followUpsAfterRun)} for a day after the last`,
          ),
          card(
            'Follow-ups due',
            int(f.followUpsDue),
            `no place in their window when asked; ${int(f.followUpsStillDue)} still due at the end`,
            f.followUpsStillDue > 0 ? 'warn' : '',
          ),
          card('Follow-ups seen', int(f.followUpsSeen), `on a later day of the run; ${int(f.followUpsMissed)} never came`, 'good'),
          card(
            'Series occurrences',
            int(f.seriesOccurrences),
            `booked by ${int(f.series)} dialysis series; ${int(f.seriesSkipped)} without a place`,
            f.seriesSkipped > 0 ? 'warn' : '',
          ),
          card(
            'Occurrences kept',
            int(f.seriesKept),
            `the patient was seen; ${int(f.seriesMissed)} missed, ${int(f.seriesAfterRun)} after the last day`,
            'good',
          ),
          card(
            'Free revisits used',
            int(f.entitlementsUsed),
            `of ${int(f.entitlementsOpened)} opened by charged consultations; ${int(f.entitlementsReturned)} given back, ${int(f.entitlementsExpired)} expired`,
          ),
        ]),
  ].join('\n');
  const comingBack = outcome.lines.some((l) => l.comingBack !== null);
  const head = [
    'day',
    'doctors',
    'patients',
    'tokens',
    'seen',
    'no-shows',
    'bumps',
    'events',
    ...(comingBack ? ['follow-ups booked', 'follow-ups seen', 'series kept', 'free revisits used'] : []),
  ];
  const rows = outcome.lines
    .map((l) => {
      const cells = [
        l.doctors,
        l.patients,
        l.tokens,
        l.seen,
        l.noShows,
        l.bumps,
        l.events,
        ...(l.comingBack === null ? [] : [l.comingBack.followUpsBooked, l.comingBack.followUpsSeen, l.comingBack.seriesKept, l.comingBack.freeVisitsUsed]),
      ];
      return `<tr><th scope="row">${html(l.day)}</th>${cells.map((c) => `<td class="num">${int(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const how =
    afterDays === null
      ? '<p>The days ran without returning patients (<code>--no-follow-ups</code>, or <code>--history</code>): each day on a store of its own.</p>'
      : `<ul>
<li><b>Follow-ups</b>: ${Math.round(COME_BACK.share * 100)}% of the patients seen on a first visit are told to come back in ${comeBackIn(afterDays)}, a day either side (<code>bookFollowUp</code> at the end of the consultation). With no place in the window the follow-up is due, and every sweep tries it again.</li>
<li><b>Free revisits</b>: a first visit is completed as charged (<code>complete(tokenId, { charged: true })</code>) and opens ${FREE_REVISITS.freeVisits} free visit within ${FREE_REVISITS.freeWithinDays} days in the department (the <code>followUps</code> option); a follow-up booked inside it uses it.</li>
<li><b>Dialysis</b>: ${DIALYSIS.patientsPerDoctor} patients per doctor of ${html(DIALYSIS.department)} keep a chair ${DIALYSIS.weekdays.length} times a week, a weekly series per weekday (<code>bookSeries</code>, best effort), booked a fortnight at a time.</li>
<li>The days share one store, the rota published ${publishedAhead(afterDays, COME_BACK.windowDays)} days ahead; returning patients come before their slot (one in about seventeen never comes).</li>
</ul>`;
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
<header>
<p class="eyebrow">OPD days simulation · ${html(longDate(outcome.firstDay))} to ${html(longDate(last))} · ${TIME_ZONE}</p>
<h1>${html(`${outcome.days} days of ${outcome.title.toLowerCase()}`)}</h1>
<dl class="facts">
<div><dt>Preset</dt><dd><b>${html(outcome.preset)}</b> — ${html(PRESET_SUMMARIES[outcome.preset])}</dd></div>
<div><dt>Seed</dt><dd>${outcome.seed} · reproduce with <code>${html(command)}</code></dd></div>
</dl>
</header>
<main>
<section id="summary">
<h2>The days</h2>
<div class="cards">${cards}</div>
</section>
<section id="days">
<h2>Day by day</h2>
<table class="days"><thead><tr>${head.map((h) => `<th scope="col">${html(h)}</th>`).join('')}</tr></thead>
<tbody>${rows}</tbody></table>
</section>
<section id="coming-back">
<h2>Coming back</h2>
${how}
</section>
</main>
</body>
</html>
`;
}
