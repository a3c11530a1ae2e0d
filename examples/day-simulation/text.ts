import { TOKEN_STATUSES, type TokenStatus } from 'opd-scheduler';
import { count, int, minutes, percent, table, type Align } from './format.js';
import { describeCallOrder } from './call-order.js';
import { offerLine } from './offers.js';
import { retentionLine } from './retention.js';
import { PRESET_SUMMARIES, PRIORITY_SUMMARIES, QUOTA_SUMMARY, WINDOWS_SUMMARY } from './policies.js';
import type { Scenario } from './scenarios.js';
import type { FairnessReport } from 'opd-scheduler';
import type { JourneyFigures } from './journeys.js';
import type { RailFigures } from './simulate.js';

type WaitSummary = FairnessReport['visits'];
import { hasSlotWaitlists, percentile, type DoctorRow, type SlotRow, type Summary } from './summary.js';
import { clock, longDate, TIME_ZONE } from './time.js';

/** Doctors up to which each gets a table of its own; above, one line per doctor. */
export const DETAILED_DOCTORS = 12;

/** Words for statuses in tables. */
export const STATUS_WORDS: Readonly<Record<TokenStatus, string>> = {
  BOOKED: 'booked',
  WAITLISTED: 'still waiting',
  CHECKED_IN: 'checked in',
  IN_CONSULTATION: 'in consultation',
  COMPLETED: 'seen',
  CANCELLED: 'cancelled',
  NO_SHOW: 'no-show',
  DROPPED: 'dropped',
  HELD: 'held, awaiting confirmation',
};

/** Words for categories in tables. */
export function categoryWord(category: string): string {
  return /^[A-Z_]+$/.test(category) ? category.toLowerCase().replace('_', '-') : category;
}

/** What the run was: shared by the console and the report. */
export interface RunHeader {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly storage: string;
  readonly report: string | null;
}

/** The console output of one run. */
export function dayText(header: RunHeader, summary: Summary): string {
  const { result } = summary;
  const out: string[] = [];
  out.push(...headerLines(header));
  out.push(`Preset    ${result.preset}: ${PRESET_SUMMARIES[result.preset]}`);
  out.push(`Priority  ${result.priority}: ${PRIORITY_SUMMARIES[result.priority]}`);
  out.push(`Quota     ${QUOTA_SUMMARY}`);
  out.push(`Window    ${WINDOWS_SUMMARY}`);
  out.push(`Calls     ${describeCallOrder(result.callOrder)}: the doctors call the next patient with callNext`);
  out.push('', demandLine(summary), '');

  if (summary.doctors.length <= DETAILED_DOCTORS) {
    for (const doctor of summary.doctors) out.push(...doctorBlock(summary, doctor), '');
  } else {
    out.push(...doctorMatrix(summary), '');
    out.push('By department', departmentTable(summary), '');
  }
  if (result.closures.length > 0) out.push(...closureLines(summary), '');

  out.push('Tokens by category and status (refused: requests turned away, no token)', statusTable(summary), '');
  const { stats } = result;
  out.push(
    `Movements    bumps ${int(stats.bumps)} · cascades ${int(stats.cascades)} · promotions ${int(stats.promotions)} · drops ${int(stats.drops)} · elastic places granted ${int(elasticGranted(summary))} (${int(stats.overflowUsed)} in use at the end)`,
  );
  const { holds } = result;
  out.push(
    `Holds        paid patients' places held while they pay: ${int(holds.made)} held · ${int(holds.confirmed)} confirmed · ${int(holds.expired)} expired unpaid${holds.released > 0 ? ` · ${int(holds.released)} released (slot closed)` : ''}`,
  );
  out.push(...railLines(result.rails));
  if (result.offers !== null) out.push(`Offers       freed places offered to waiting patients: ${offerLine(result.offers)}`);
  if (result.retention !== null) out.push(`Retention    ${retentionLine(result.retention)}`);
  const { closeOut } = result;
  out.push(
    `Day closed   patients never seen (still waiting, booked or checked in at the end): ${int(closeOut.expired)} expired · ${int(closeOut.carried)} carried to a later day`,
  );
  out.push(`Utilisation  ${percent(stats.utilisation)} of the ${int(stats.capacity)} places in open slots hold a patient`, '');
  out.push(`${WAITS_HEADLINE}: to the estimated start (tokens with a place at the end), to the consultation (patients seen)`, waitTable(summary), '');
  out.push(FAIRNESS_HEADLINE, fairnessTable(summary), '');
  if (result.journeys !== null) out.push(STAGES_HEADLINE, stageTable(summary), journeyLine(result.journeys), '');
  out.push(emergencyLine(summary), '');
  out.push(estimateLine(summary), '');
  out.push(...checkLines(summary));
  return out.join('\n') + '\n';
}

/** The national rails of a day, in two lines: ABDM Scan & Share, and UHI. */
export function railLines(r: RailFigures): string[] {
  return [
    `Scan & Share walk-ins who scanned the counter's QR (ABDM): ${int(r.shares)} tokens held · ${int(r.shareConfirmed)} confirmed at the counter · ${int(r.shareExpired)} expired before they reached it${
      r.shareReleased > 0 ? ` · ${int(r.shareReleased)} released (slot closed)` : ''
    } · ${int(r.shareAtDesk)} found no free place to hold and registered at the desk`,
    `UHI          online patients booking through a UHI app: ${int(r.uhiSearches)} searches · ${int(r.uhiInits)} inits · ${int(r.uhiConfirmed)} confirmed · ${int(r.uhiExpired)} expired unconfirmed${
      r.uhiReleased > 0 ? ` · ${int(r.uhiReleased)} released (slot closed)` : ''
    } · ${int(r.uhiCancelled)} cancelled in the app · ${int(r.uhiAtPortal)} booked on the portal instead · ${int(r.pinCheckIns)} PIN check-ins`,
  ];
}

/** The console output of `--compare`: one row per preset. */
export function compareText(header: RunHeader, summaries: readonly Summary[]): string {
  const first = summaries[0]!;
  const out: string[] = [];
  out.push(...headerLines(header));
  out.push(`Priority  ${first.result.priority}: ${PRIORITY_SUMMARIES[first.result.priority]}`);
  out.push(`Quota     ${QUOTA_SUMMARY}`);
  out.push(`Window    ${WINDOWS_SUMMARY}`);
  out.push(`Calls     ${describeCallOrder(first.result.callOrder)}: the doctors call the next patient with callNext`);
  out.push('', demandLine(first), '', 'Every preset on the same patients:', '');
  out.push(
    'Outcomes (tokens; refused = requests turned away with no token)',
    table(
      [
        ['preset', 'seen', 'no-show', 'cancelled', 'dropped', 'still waiting', 'refused', 'utilisation'],
        ...summaries.map((s) => [
          s.result.preset,
          int(s.byStatus.COMPLETED),
          count(s.byStatus.NO_SHOW),
          count(s.byStatus.CANCELLED),
          count(s.byStatus.DROPPED),
          count(s.byStatus.WAITLISTED),
          count(s.result.refusals.length),
          percent(s.result.stats.utilisation),
        ]),
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    'Movements',
    table(
      [
        ['preset', 'bumps', 'cascades', 'promotions', 'drops', 'elastic places', 'closures'],
        ...summaries.map((s) => [
          s.result.preset,
          count(s.result.stats.bumps),
          count(s.result.stats.cascades),
          count(s.result.stats.promotions),
          count(s.result.stats.drops),
          count(elasticGranted(s)),
          count(s.result.closures.length),
        ]),
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    ...(first.result.journeys === null
      ? []
      : [
          `${STAGES_HEADLINE}; mean / p90 per preset`,
          table(
            [
              ['preset', ...first.result.fairness.stages.map((x) => stageWord(x.kind, x.round)), 'whole visit'],
              ...summaries.map((s) => [
                s.result.preset,
                ...first.result.fairness.stages.map((x) => meanP90(s.result.fairness.stages.find((y) => y.kind === x.kind && y.round === x.round)?.waits)),
                meanP90(s.result.fairness.visits),
              ]),
            ],
            ['left', ...first.result.fairness.stages.map((): Align => 'right'), 'right'],
          ),
          '',
        ]),
    'National rails: ABDM Scan & Share tokens (held from the scan, confirmed at the counter) and UHI orders (init, confirm, PIN check-in)',
    table(
      [
        ['preset', 'Scan & Share', 'confirmed', 'expired', 'at the desk', 'UHI inits', 'confirmed', 'expired', 'cancelled', 'PIN check-ins'],
        ...summaries.map((s) => {
          const r = s.result.rails;
          return [
            s.result.preset,
            int(r.shares),
            int(r.shareConfirmed),
            count(r.shareExpired),
            count(r.shareAtDesk),
            int(r.uhiInits),
            int(r.uhiConfirmed),
            count(r.uhiExpired),
            count(r.uhiCancelled),
            int(r.pinCheckIns),
          ];
        }),
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
  );
  const labels = first.waits.filter((w) => w.estimated.length > 0 || w.actual.length > 0).map((w) => w.label);
  out.push(
    'Emergencies: minutes from registering to the consultation, and those left waiting',
    table(
      [
        ['preset', 'seen', 'p50', 'p95', 'max', 'still waiting', 'unplaced'],
        ...summaries.map((s) => {
          const e = s.emergencies;
          return [
            s.result.preset,
            int(e.toConsultation.length),
            minutes(percentile(e.toConsultation, 50)),
            minutes(percentile(e.toConsultation, 95)),
            minutes(percentile(e.toConsultation, 100)),
            count(e.waitingAtEnd),
            count(e.unplaced),
          ];
        }),
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    'Estimate error: minutes between the estimated start a booking answered with and the consultation (patients seen)',
    table(
      [
        ['preset', 'patients', 'median', 'p90', 'mean abs.', 'bias'],
        ...summaries.map((s) => {
          const e = s.estimateError;
          return [s.result.preset, int(e.patients), minutes(e.median), minutes(e.p90), minutes(e.meanAbsolute), minutes(e.bias)];
        }),
      ],
      ['left', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    `${WAITS_HEADLINE}, p50/p95 to the estimated start`,
    table(
      [
        ['preset', ...labels.map(categoryWord)],
        ...summaries.map((s) => [s.result.preset, ...labels.map((l) => p50p95(s.waits.find((w) => w.label === l)?.estimated ?? []))]),
      ],
      ['left', ...labels.map((): Align => 'right')],
    ),
    '',
    `${WAITS_HEADLINE}, p50/p95 to the consultation (patients seen)`,
    table(
      [
        ['preset', ...labels.map(categoryWord)],
        ...summaries.map((s) => [s.result.preset, ...labels.map((l) => p50p95(s.waits.find((w) => w.label === l)?.actual ?? []))]),
      ],
      ['left', ...labels.map((): Align => 'right')],
    ),
    '',
  );
  const failed = summaries.flatMap((s) => s.checks.filter((c) => !c.ok).map((c) => `  ✗ ${s.result.preset}: ${c.text}`));
  const checks = summaries.reduce((n, s) => n + s.checks.length, 0);
  out.push(
    'Checks',
    ...(failed.length === 0
      ? [`  ✓ all ${checks} checks passed for every preset (events agree with stats(), no overbooking, no emergency waited while its day had room)`]
      : failed),
  );
  return out.join('\n') + '\n';
}

function headerLines(header: RunHeader): string[] {
  const { scenario } = header;
  return [
    `OPD day simulation — ${longDate(scenario.day)} (${TIME_ZONE})`,
    `Scenario  ${scenario.name}: ${scenario.title}`,
    `Seed      ${header.seed} · storage ${header.storage}${header.report === null ? '' : ` · report ${header.report}`}`,
  ];
}

function demandLine(summary: Summary): string {
  const { result } = summary;
  const mix = ['WALK_IN', 'ONLINE', 'FOLLOW_UP', 'PAID', 'EMERGENCY'].map((c) => `${int(summary.demand.get(c) ?? 0)} ${categoryWord(c)}`).join(', ');
  const seniors = result.patients.filter((p) => p.age >= 60).length;
  const lines = [
    `Demand    ${int(result.patients.length)} patients for ${int(summary.capacity)} places (${plural(result.scenario.doctors.length, 'doctor')}, ${plural(summary.slotCount, 'slot')}): ${mix}; ${int(seniors)} aged 60+`,
  ];
  if (result.reRegistrations > 0) lines.push(`          ${int(result.reRegistrations)} came late or were refused online and registered again at the desk`);
  return lines.join('\n');
}

function doctorBlock(summary: Summary, doctor: DoctorRow): string[] {
  const { plan, track } = doctor;
  const slotLists = hasSlotWaitlists(summary.result);
  const worked =
    track.firstConsultAt === null ? 'saw nobody' : `seeing patients ${clock(track.firstConsultAt)}–${clock(track.lastConsultEnd ?? track.firstConsultAt)}`;
  const header = ['slot', 'places', 'elastic', 'waitlist peak', 'seen', 'no-shows', 'bumped out', 'note'];
  const rows = doctor.slots.map((s) => [
    s.label,
    `${s.places}/${s.capacity}`,
    s.elastic > 0 ? `+${s.elastic}` : '–',
    count(s.peakEligible),
    count(s.seen),
    count(s.noShows),
    count(s.bumpedOut),
    note(s),
  ]);
  const lines = [
    `${plan.name} — ${plan.department}, ${formatMinutes(plan.consultMinutes)} min per patient, ${worked}`,
    table([header, ...rows], ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left']),
  ];
  lines.push(
    `  ${slotLists ? 'waiting lists of the slots' : 'waiting list for the day'}: peak ${doctor.peakWaiting}, ${doctor.waitingAtClose} still waiting at the end`,
  );
  if (doctor.refused > 0) lines.push(`  ${doctor.refused} requests refused (no token)`);
  return lines;
}

function note(slot: SlotRow): string {
  const parts: string[] = [];
  if (slot.closedAt !== null) parts.push(`closed at ${clock(slot.closedAt)}: ${slot.closedReason ?? 'no reason given'}`);
  if (slot.waitingAtClose > 0) parts.push(`${slot.waitingAtClose} still waiting for it`);
  return parts.join('; ');
}

function doctorMatrix(summary: Summary): string[] {
  const out = ['Doctors: places/capacity per slot at the end of the day (+n elastic places, ✕ closed); waitlist: peak and at the end'];
  const hours = [...new Set(summary.doctors.flatMap((d) => d.slots.map((s) => clock(s.start))))].sort();
  let department = '';
  let rows: string[][] = [];
  const header = ['doctor', ...hours, 'waitlist peak/end', 'seen', 'refused'];
  const flush = (): void => {
    if (rows.length > 0) out.push(table([header, ...rows], ['left', ...hours.map((): Align => 'right'), 'right', 'right', 'right']));
    rows = [];
  };
  for (const doctor of summary.doctors) {
    if (doctor.plan.department !== department) {
      flush();
      department = doctor.plan.department;
      out.push('', `${department}`);
    }
    const cells = hours.map((h) => {
      const s = doctor.slots.find((slot) => clock(slot.start) === h);
      if (s === undefined) return '';
      if (s.closedAt !== null) return `${s.places}/${s.capacity} ✕`;
      return `${s.places}/${s.capacity}${s.elastic > 0 ? `+${s.elastic}` : ''}`;
    });
    rows.push([
      `${doctor.plan.id} ${doctor.plan.name}`,
      ...cells,
      `${doctor.peakWaiting}/${doctor.waitingAtClose}`,
      int(doctor.slots.reduce((n, s) => n + s.seen, 0)),
      count(doctor.refused),
    ]);
  }
  flush();
  return out;
}

function departmentTable(summary: Summary): string {
  const departments = [...new Set(summary.doctors.map((d) => d.plan.department))];
  const rows = departments.map((name) => {
    const doctors = summary.doctors.filter((d) => d.plan.department === name);
    const slots = doctors.flatMap((d) => d.slots);
    const open = slots.filter((s) => s.closedAt === null);
    const capacity = open.reduce((n, s) => n + s.capacity, 0);
    const places = open.reduce((n, s) => n + s.places, 0);
    const sum = (kind: keyof DoctorRow['movements']): number => doctors.reduce((n, d) => n + d.movements[kind], 0);
    return [
      name,
      int(doctors.length),
      `${int(places)}/${int(capacity)}`,
      percent(capacity === 0 ? 0 : places / capacity),
      int(slots.reduce((n, s) => n + s.seen, 0)),
      count(slots.reduce((n, s) => n + s.noShows, 0)),
      count(doctors.reduce((n, d) => n + d.refused, 0)),
      count(sum('bump')),
      count(sum('cascade')),
      count(sum('promotion')),
      count(sum('drop')),
      count(doctors.reduce((n, d) => n + d.waitingAtClose, 0)),
      count(slots.filter((s) => s.closedAt !== null).length),
    ];
  });
  return table(
    [
      ['department', 'doctors', 'places', 'used', 'seen', 'no-shows', 'refused', 'bumps', 'cascades', 'promotions', 'drops', 'still waiting', 'closed slots'],
      ...rows,
    ],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

function closureLines(summary: Summary): string[] {
  const out = ['Doctors leaving early (each leave one closeSlots call, previewed with { dryRun: true } first)'];
  for (const c of summary.result.closures) {
    const doctor = summary.result.scenario.doctors.find((d) => d.id === c.doctorId)!;
    const same = c.predicted.length === c.happened.length && c.predicted.every((p, i) => p === c.happened[i]);
    out.push(
      `  ${clock(c.at)} ${doctor.name}, leave ${clock(c.from)}–${clock(c.to)} (${c.reason}): ${c.slotIds.length} slots closed, ${c.moved} moved to a later slot or a colleague, ${c.waitlisted} waitlisted, ${c.dropped} dropped${same ? ' — as the dry run predicted' : ' — NOT as the dry run predicted'}`,
    );
  }
  return out;
}

function statusTable(summary: Summary): string {
  const statuses = TOKEN_STATUSES.filter((s) => summary.byStatus[s] > 0);
  const categories = [...summary.matrix.keys()].filter((c) => TOKEN_STATUSES.some((s) => summary.matrix.get(c)![s] > 0) || summary.refusedByCategory.has(c));
  const rows = categories.map((c) => {
    const row = summary.matrix.get(c)!;
    const total = TOKEN_STATUSES.reduce((n, s) => n + row[s], 0);
    return [categoryWord(c), ...statuses.map((s) => count(row[s])), int(total), count(summary.refusedByCategory.get(c) ?? 0)];
  });
  const total = TOKEN_STATUSES.reduce((n, s) => n + summary.byStatus[s], 0);
  rows.push(['all', ...statuses.map((s) => int(summary.byStatus[s])), int(total), int(summary.result.refusals.length)]);
  return table(
    [['category', ...statuses.map((s) => STATUS_WORDS[s]), 'tokens', 'refused'], ...rows],
    ['left', ...statuses.map((): Align => 'right'), 'right', 'right'],
  );
}

function waitTable(summary: Summary): string {
  const rows = summary.waits
    .filter((w) => w.estimated.length > 0 || w.actual.length > 0)
    .map((w) => [
      categoryWord(w.label),
      int(w.estimated.length),
      minutes(percentile(w.estimated, 50)),
      minutes(percentile(w.estimated, 95)),
      int(w.actual.length),
      minutes(percentile(w.actual, 50)),
      minutes(percentile(w.actual, 95)),
    ]);
  return table(
    [['patients', 'with place', 'est. p50', 'est. p95', 'seen', 'seen p50', 'seen p95'], ...rows],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** What the fairness table measures (the scheduler's own ledger, `fairness()`). */
export const FAIRNESS_HEADLINE =
  "Fairness, the scheduler's ledger (fairness()): minutes from due (the later of the request and the slot's start) to the doctor; skips: patients of the same or a better rank, due earlier, seen later; longest run of better-ranked patients seen while one waited";

/** The scheduler's fairness ledger of the day, one row per category. */
function fairnessTable(summary: Summary): string {
  const rows = summary.result.fairness.categories.map((c) => [
    categoryWord(c.category),
    int(c.called),
    minutes(c.waitP50),
    minutes(c.waitP95),
    minutes(c.waitMax),
    int(c.skips),
    int(c.longestPassRun),
  ]);
  if (rows.length === 0) return '  nobody was seen';
  return table(
    [['category', 'seen', 'p50', 'p95', 'max', 'skips', 'longest pass run'], ...rows],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** What the stage table measures (the scheduler's own ledger, `fairness()`). */
export const STAGES_HEADLINE =
  "Where the time goes, the scheduler's ledger (fairness()): minutes from entering each queue (check-in, or the forward into it) to the call there; the whole visit from check-in to the completed consultation";

/** A stage's name: its kind, and a return to it. */
export function stageWord(kind: string, round: number): string {
  return round === 1 ? kind : round === 2 ? `${kind} (back)` : `${kind} (${round}th time)`;
}

/** Per stage of the visits and the whole visit: waits, mean, p90, max. */
export function stageTable(summary: Summary): string {
  const { stages, visits } = summary.result.fairness;
  const row = (name: string, w: WaitSummary): string[] => [name, int(w.count), minutes(w.mean), minutes(w.p50), minutes(w.p90), minutes(w.max)];
  return table(
    [['stage', 'patients', 'mean', 'p50', 'p90', 'max'], ...stages.map((x) => row(stageWord(x.kind, x.round), x.waits)), row('whole visit', visits)],
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** `mean / p90` of a stage's waits, or `–`. */
function meanP90(w: WaitSummary | undefined): string {
  return w === undefined || w.count === 0 ? '–' : `${minutes(w.mean)} / ${minutes(w.p90)}`;
}

/** The journeys in one line: routes, the lab and back, forwards and calls at the service points. */
export function journeyLine(j: JourneyFigures): string {
  return `Journeys     ${int(j.routed)} checked in at registration on a route · ${int(j.toLab)} sent to the lab, ${int(j.back)} back to the doctor (ReturnAhead) · ${int(j.forwards)} forwards · ${int(j.pointCalls)} calls at service points`;
}

function checkLines(summary: Summary): string[] {
  return ['Checks', ...summary.checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.text}`)];
}

/** What the wait tables measure: every wait starts when the patient is at the hospital. */
export const WAITS_HEADLINE =
  'Waits in minutes from when the patient is at the hospital (on registering at the desk; online and follow-up patients on arriving, near their slot)';

/** Emergencies: time to consultation and those left waiting. */
function emergencyLine(summary: Summary): string {
  const e = summary.emergencies;
  const seen = e.toConsultation;
  const times =
    seen.length === 0
      ? 'none seen'
      : `${int(seen.length)} seen, registering → consultation p50 ${minutes(percentile(seen, 50))} · p95 ${minutes(percentile(seen, 95))} · max ${minutes(percentile(seen, 100))} min`;
  return `Emergencies  ${times}; ${int(e.waitingAtEnd)} still waiting at the end; ${int(e.unplaced)} reported unplaced (no room in the doctor's day)`;
}

/** The estimate error in one line. */
function estimateLine(summary: Summary): string {
  const e = summary.estimateError;
  if (e.patients === 0) return 'Estimate error  no patient seen who had a place when booking';
  return `Estimate error  estimated start at booking vs consultation start, ${int(e.patients)} patients: median ${minutes(e.median)} · p90 ${minutes(e.p90)} · mean absolute ${minutes(e.meanAbsolute)} min (typically seen ${minutes(Math.abs(e.bias ?? 0))} min ${(e.bias ?? 0) >= 0 ? 'later' : 'earlier'} than told)`;
}

/** Elastic places granted through the day (bookings beyond capacity). */
export function elasticGranted(summary: Summary): number {
  return summary.doctors.reduce((n, d) => n + d.movements.elastic, 0);
}

function p50p95(values: readonly number[]): string {
  return values.length === 0 ? '–' : `${minutes(percentile(values, 50))}/${minutes(percentile(values, 95))}`;
}

/** `1 doctor`, `3 doctors`. */
export function plural(n: number, word: string): string {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}

function formatMinutes(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * The department scenario: the same patients booked by doctor and by department, side by side —
 * each doctor's utilisation (places used and patients seen, against capacity) and how long
 * emergencies waited for the doctor.
 */
export function bookingText(header: RunHeader, summaries: readonly Summary[]): string {
  const byDoctor = summaries.find((s) => s.result.booking === 'doctor')!;
  const byDepartment = summaries.find((s) => s.result.booking === 'department')!;
  const out: string[] = [];
  out.push(...headerLines(header));
  out.push(`Preset    ${byDoctor.result.preset}: ${PRESET_SUMMARIES[byDoctor.result.preset]}`);
  out.push(`Priority  ${byDoctor.result.priority}: ${PRIORITY_SUMMARIES[byDoctor.result.priority]}`);
  out.push('', demandLine(byDoctor), '', 'The same patients, booked by doctor and by department (book({ department })):', '');
  const used = (row: DoctorRow): number => row.slots.reduce((n, s) => n + s.places, 0);
  const capacity = (row: DoctorRow): number => row.slots.reduce((n, s) => n + s.capacity, 0);
  const seen = (row: DoctorRow): number => row.slots.reduce((n, s) => n + s.seen, 0);
  const rows = byDoctor.doctors.map((d) => {
    const other = byDepartment.doctors.find((x) => x.plan.id === d.plan.id)!;
    const cap = capacity(d);
    return [d.plan.name, int(cap), int(used(d)), percent(used(d) / cap), int(seen(d)), int(used(other)), percent(used(other) / cap), int(seen(other))];
  });
  const sum = (list: readonly Summary['doctors'][number][], f: (row: DoctorRow) => number): number => list.reduce((n, r) => n + f(r), 0);
  const cap = sum(byDoctor.doctors, capacity);
  rows.push([
    'department',
    int(cap),
    int(sum(byDoctor.doctors, used)),
    percent(sum(byDoctor.doctors, used) / cap),
    int(sum(byDoctor.doctors, seen)),
    int(sum(byDepartment.doctors, used)),
    percent(sum(byDepartment.doctors, used) / cap),
    int(sum(byDepartment.doctors, seen)),
  ]);
  out.push(
    'Utilisation per doctor (places used at the end of the day, patients seen)',
    table(
      [['doctor', 'places', 'by doctor: used', 'utilisation', 'seen', 'by department: used', 'utilisation', 'seen'], ...rows],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
  );
  const emergencyRow = (label: string, s: Summary): string[] => {
    const e = s.emergencies.toConsultation;
    const at = (p: number): string => (e.length === 0 ? '–' : `${Math.round(percentile(e, p)!)} min`);
    return [label, int(e.length), at(50), at(95), at(100), int(s.emergencies.waitingAtEnd), int(s.result.refusals.length), int(s.byStatus.DROPPED)];
  };
  out.push(
    'Emergencies (registration to the doctor) and what was turned away',
    table(
      [
        ['booking', 'emergencies seen', 'p50', 'p95', 'longest', 'still waiting', 'refused', 'dropped'],
        emergencyRow('by doctor', byDoctor),
        emergencyRow('by department', byDepartment),
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
  );
  for (const s of [byDoctor, byDepartment]) out.push(`Booked by ${s.result.booking}:`, ...railLines(s.result.rails), '');
  const failed = summaries.flatMap((s) => s.checks.filter((c) => !c.ok).map((c) => `  ✗ ${s.result.booking}: ${c.text}`));
  out.push(
    failed.length === 0
      ? `Checks: all ${summaries.reduce((n, s) => n + s.checks.length, 0)} passed, both ways of booking`
      : ['Checks FAILED', ...failed].join('\n'),
  );
  return out.join('\n') + '\n';
}
