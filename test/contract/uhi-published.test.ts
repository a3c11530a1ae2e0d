/**
 * The contract of `opd-scheduler/abdm` with NHA's published UHI examples: every published request
 * of `test/fixtures/abdm/uhi/` (copied from the shared examples, with their `SOURCES.md`) is
 * replayed through the provider, and every answer is compared with its published counterpart
 * field by field — names, shapes, enums. Values that legitimately differ (ids, times, names,
 * amounts) are tolerated; every other difference must be one of `DIFFERENCES` below, each
 * justified (and listed in docs/abdm.md), and every listed difference must still occur.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { OpdScheduler, presets } from 'opd-scheduler';
import { UhiProvider, UHI_TERM_TYPES } from 'opd-scheduler/abdm';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../helpers.js';

const DIR = new URL('../fixtures/abdm/uhi/', import.meta.url);
const read = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as Record<string, unknown>;
const v2 = (n: string) => read(readdirSync(DIR).find((f) => f.startsWith(`nha-onboarding-v2.0-${n}`))!);

/** The published slot and order ids, and the values they stand for in our answers. */
const PUBLISHED_SLOT = 'slot-uuid-a1b2c3d4-abcd-1234-efgh-567890abcdef';
const PUBLISHED_ORDER = '0415-234567-8901';

/** Keys whose value is an enum or a name the consumer matches on: compared by value. */
const ENUMS = new Set(['action', 'type', 'state', 'status', 'termsState', 'currency', 'domain', 'core_version']);

/**
 * The differences that remain, by answer and path (indices as `[]`), each with its reason. A
 * difference not listed fails the test; a listed one that no longer occurs fails it too.
 */
const DIFFERENCES: readonly (readonly [file: string, path: string, why: string])[] = [
  [
    '*',
    'extra context.country',
    "The answer's context echoes the call's: a call that carries country, city, core_version or consumer_uri gets them back (the v2.0 answers leave them out)",
  ],
  ['*', 'extra context.city', 'as context.country'],
  ['*', 'extra context.core_version', 'as context.country'],
  ['*', 'extra context.consumer_uri', 'as context.country'],
  ['2022 search', 'value context.domain', 'The 2022 hackathon search sends domain "Health"; the answer echoes the call\'s domain'],
  [
    '*',
    'extra message.catalog.providers[].items[].descriptor.code',
    "The item's code CONSULTATION is sent as in the first on_search and on_init; the second on_search leaves it out",
  ],
  [
    '*',
    'extra message.order.fulfillment.agent.tags.@abdm/gov.in/languages',
    'Configured per doctor; the on_status and on_update samples show fewer agent tags than on_search',
  ],
  [
    '*',
    'extra message.order.fulfillment.tags.@abdm/gov.in/cancel_reason',
    "The reason code goes in the @abdm/gov.in/cancel_reason tag, as NHA's portal pages name it (the onboarding sample carries no code at all)",
  ],
  [
    '*',
    'missing message.order.provider.categories[].parent_category_id',
    'The system of medicine (Allopathy) has no parent: the key is left out, as in on_search (on_confirm sends "")',
  ],
  [
    '*',
    'missing message.order.billing.address.door',
    'The billing is echoed from the confirm call, whose sample carries fewer address fields than the on_confirm sample',
  ],
  ['*', 'missing message.order.billing.address.name', 'as billing.address.door'],
  ['*', 'missing message.order.billing.address.city', 'as billing.address.door'],
  ['*', 'value message.order.billing.address.state', 'as billing.address.door (a place name, not an order state)'],
  ['*', 'extra context.timestamp', 'Beckn requires a timestamp on every message; some v2.0 samples leave it out of the callback'],
  ['*', 'extra context.provider_uri', 'The provider always names its URI (Beckn 0.7.1 context); some samples leave it out'],
  ['*', 'missing message.catalog.descriptor.images', 'Descriptive fields of the HSPA we have no value for (no images, no short or long descriptions)'],
  ['*', 'missing message.catalog.descriptor.short_desc', 'as images'],
  ['*', 'missing message.catalog.descriptor.long_desc', 'as images'],
  ['*', 'missing message.catalog.providers[].descriptor.short_desc', 'as images'],
  ['*', 'missing message.catalog.providers[].descriptor.long_desc', 'as images'],
  [
    '*',
    'missing message.catalog.providers[].location',
    'The location is sent when the facility configures one (this replay configures none, to show it optional)',
  ],
  ['*', 'missing message.order.provider.location', 'as message.catalog.providers[].location'],
  ['*', 'missing message.order.provider.descriptor.short_desc', 'as images'],
  ['*', 'missing message.order.provider.descriptor.long_desc', 'as images'],
  ['*', 'missing message.order.provider.descriptor.flag', 'A 2022-schema leftover in the on_confirm sample only'],
  ['*', 'missing message.order.provider.categories[].descriptor.flag', 'as flag'],
  ['*', 'missing message.order.item.descriptor.flag', 'as flag'],
  ['*', 'missing message.order.terms[].descriptor.flag', 'as flag'],
  ['*', 'missing message.order.fulfillment.tracking', 'A 2022-schema leftover in the on_confirm sample only; a physical consultation has no tracking'],
  ['*', 'missing message.order.fulfillment.agent.image', 'No photograph of the doctor is kept'],
  [
    '*',
    'extra message.catalog.providers[].items[].category_id',
    'The v2.0 second on_search links each item to its speciality; the first one does not: we always do',
  ],
  ['*', 'extra message.order.item.category_id', 'as items[].category_id'],
  ['*', 'extra message.order.item.price', 'The item carries its price in every answer, as in on_init and on_confirm'],
  ['*', 'extra message.order.item.fulfillment_id', 'as item.price'],
  ['*', 'missing message.order.payment.uri', 'Payment is at the clinic: there is no payment link, VPA or transaction'],
  ['*', 'missing message.order.payment.params.transaction_id', 'as payment.uri'],
  ['*', 'missing message.order.payment.params.mode', 'as payment.uri'],
  ['*', 'missing message.order.payment.params.vpa', 'as payment.uri'],
  ['*', 'missing message.order.payment.params.redirect_url', 'as payment.uri'],
  ['*', 'extra message.order.payment.params', 'on_init carries the amount too'],
  ['*', 'value message.order.payment.status', 'FREE at no fee, NOT_PAID otherwise: the on_confirm sample is of a free consultation'],
  ['*', 'extra message.order.fulfillment.agent.tags', 'The agent carries its registry tags in every answer'],
  ['*', 'extra message.order.fulfillment.agent.gender', 'as agent.tags'],
  ['*', 'missing message.order.fulfillment.agent.tags.@abdm/gov.in/experience', 'Configured per doctor; this replay leaves it out to show it optional'],
  ['*', 'extra message.order.fulfillment.agent.tags.@abdm/gov.in/hfr_id', "The facility's registry ids go on every agent, as the second on_search shows them"],
  ['*', 'extra message.order.fulfillment.agent.tags.@abdm/gov.in/hip_id', 'as hfr_id'],
  ['*', 'extra message.catalog.providers[].fulfillments[].agent.tags.@abdm/gov.in/hfr_id', 'as hfr_id'],
  ['*', 'extra message.catalog.providers[].fulfillments[].agent.tags.@abdm/gov.in/hip_id', 'as hfr_id'],
  ['*', 'missing message.catalog.providers[].fulfillments[].agent.tags.@abdm/gov.in/experience', 'as experience'],
  ['*', 'missing message.order.quote.breakup[]', 'No taxes or registration fee are computed: the breakup has the consultation row only'],
  ['*', 'extra message.order.provider', 'Every answer names the facility (on_status and on_update samples leave it out; on_cancel has it)'],
];

const DOCTOR = { hprAddress: '<HPR_ADDRESS>@hpr.ndhm', hprId: '<HPR_ID>', gender: 'F' as const, education: 'MBBS, MD Cardiology', languages: 'Hindi, English' };

async function hospital() {
  const clock = new TestClock('2026-04-15T09:00:00Z');
  const opd = new OpdScheduler({ ...presets.standard(), timeZone: 'Asia/Kolkata', clock: clock.now });
  await opd.addDoctor({ id: 'd-cardio', name: 'Dr. Ganesh Rao', specialization: 'Cardiology' });
  await opd.addSlots('d-cardio', [
    { id: 'slot-0416-1000', start: new Date('2026-04-16T04:30:00Z'), end: new Date('2026-04-16T04:50:00Z'), capacity: 2 },
    { id: 'slot-0618-1600', start: new Date('2026-06-18T10:30:00Z'), end: new Date('2026-06-18T11:00:00Z'), capacity: 2 },
  ]);
  const uhi = new UhiProvider(opd, {
    providerId: 'hspa-nha',
    providerUri: 'https://hspasbx.abdm.gov.in/api/v1/hspa',
    pinSecret: 'a-secret-of-the-hospital',
    fees: { 'd-cardio': 500 },
    doctors: { 'd-cardio': DOCTOR },
    facility: { id: '1', name: 'Test Hospital', hfrId: 'IN0410000183', hipId: 'IN2910000074' },
  });
  return { opd, uhi, clock };
}

/** A published request with the published ids replaced by ours, at its own time. */
function replay(request: Record<string, unknown>, ids: Record<string, string>, clock?: TestClock): Record<string, unknown> {
  let text = JSON.stringify(request);
  for (const [from, to] of Object.entries(ids)) text = text.replaceAll(from, to);
  const out = JSON.parse(text) as { context: { timestamp?: string } };
  if (clock !== undefined && out.context.timestamp !== undefined) clock.set(out.context.timestamp);
  return out as unknown as Record<string, unknown>;
}

/** The differences between a published answer and ours: names, shapes and enum values. */
function differences(published: unknown, ours: unknown, path = ''): string[] {
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  if (Array.isArray(published)) {
    if (!Array.isArray(ours)) return [`shape ${path}`];
    if (published.length === 0 || ours.length === 0) return published.length === ours.length ? [] : [`${ours.length === 0 ? 'missing' : 'extra'} ${path}[]`];
    const found = ours.flatMap((o, i) => differences(published[Math.min(i, published.length - 1)], o, `${path}[]`));
    return ours.length < published.length ? [...found, `missing ${path}[]`] : found;
  }
  if (typeof published === 'object' && published !== null) {
    if (typeof ours !== 'object' || ours === null || Array.isArray(ours)) return [`shape ${path}`];
    const p = published as Record<string, unknown>;
    const o = ours as Record<string, unknown>;
    return [
      ...Object.keys(p).flatMap((k) => (k in o ? differences(p[k], o[k], at(k)) : [`missing ${at(k)}`])),
      ...Object.keys(o)
        .filter((k) => !(k in p))
        .map((k) => `extra ${at(k)}`),
    ];
  }
  if (published === null || ours === null) return [];
  if (typeof published !== typeof ours) return [`shape ${path}`];
  const key = path.split('.').at(-1) ?? '';
  return ENUMS.has(key) && published !== ours ? [`value ${path}`] : [];
}

const seen = new Set<string>();
function expectContract(file: string, published: unknown, ours: unknown): void {
  const unexplained = differences(published, JSON.parse(JSON.stringify(ours))).filter((d) => {
    const known = DIFFERENCES.find(([f, p]) => (f === '*' || f === file) && p === d);
    if (known !== undefined) seen.add(`${known[0]}|${known[1]}`);
    return known === undefined;
  });
  expect(unexplained, `${file}: differences from the published answer that docs/abdm.md does not justify`).toEqual([]);
}

/** The NHA v2.0 flow of one order: second search, init, confirm (every term agreed). */
async function ordered() {
  const h = await hospital();
  const search = await h.uhi.search(replay(v2('03'), {}, h.clock));
  const slot = search.message.catalog.providers[0]!.fulfillments[0]!;
  const ids: Record<string, string> = { [PUBLISHED_SLOT]: slot.id };
  const init = await h.uhi.init(replay(v2('05'), ids, h.clock));
  ids[PUBLISHED_ORDER] = init.message.order.id!;
  const confirm = await h.uhi.confirm(replay(v2('07'), ids, h.clock));
  return { ...h, search, init, confirm, ids, orderId: init.message.order.id! };
}

describe('UHI as NHA publishes it: every published request replayed, every answer compared field by field', () => {
  it('answers NHA v2.0 first search (Consultation is the service, not a speciality) like §7.1.2', async () => {
    const { uhi, clock } = await hospital();
    const answer = await uhi.search(replay(v2('01'), {}, clock));
    expect(answer.message.catalog.providers[0]?.fulfillments.map((f) => [f.id, f.type, f.agent.id, f.start.time.timestamp])).toEqual([
      ['slot-0618-1600', 'Physical', '<HPR_ADDRESS>@hpr.ndhm', '2026-06-18T16:00:00'],
    ]);
    expectContract('02-on_search-first', v2('02'), answer);
  });

  it('answers the second search, init, confirm and status like §7.1.4, §7.2.2, §7.2.4 and §7.3.2', async () => {
    const { uhi, opd, clock, search, init, confirm, ids, orderId } = await ordered();
    expect(search.message.catalog.providers[0]?.fulfillments.map((f) => f.agent.id)).toEqual(['<HPR_ADDRESS>@hpr.ndhm']);
    expectContract('04-on_search-second', v2('04'), search);
    expect(init.message.order.terms?.map((t) => [t.type, t.termsState])).toEqual(UHI_TERM_TYPES.map((t) => [t, 'INITIATED']));
    expect(init.message.order.fulfillment?.tags).toEqual({ '@abdm/gov.in/slot_id': init.message.order.fulfillment?.id });
    expectContract('06-on_init', v2('06'), init);
    expect(confirm.message.order).toMatchObject({
      state: 'CONFIRMED',
      authorization: { type: 'PIN', status: 'GENERATED', valid_from: '2026-04-16T00:00:00', valid_to: '2026-04-16T23:59:00' },
    });
    expectContract('08-on_confirm', v2('08'), confirm);
    const status = await uhi.status(replay({ ...v2('09'), context: { ...(v2('09')['context'] as object), timestamp: '2026-04-15T09:20:00Z' } }, ids, clock));
    expect(status.message.order.authorization?.token).toBe(uhi.pinOf(await opd.getToken(orderId)));
    expectContract('10-on_status', v2('10'), status);
  });

  it('pushes APPOINTMENT_STARTED with the PIN VERIFIED like §7.3.4 once the patient checks in with it', async () => {
    const { uhi, opd, clock, orderId } = await ordered();
    clock.set('2026-04-16T04:25:00Z');
    await uhi.checkIn(orderId, { pin: uhi.pinOf(await opd.getToken(orderId)) });
    const push = await uhi.pushOf((await opd.history()).filter((e) => e.type === 'token:checked-in').at(-1)!);
    expect(push?.message.order.authorization?.status).toBe('VERIFIED');
    expectContract('12-on_update-appointment-started', v2('12'), { context: push?.context, message: push?.message });
  });

  it('cancels by order.id with cancelledby patient like §7.4.1, answering the full order like §7.4.2', async () => {
    const { uhi, opd, clock, ids, orderId } = await ordered();
    const answer = await uhi.cancel(replay(v2('13'), ids, clock));
    expect((await opd.getToken(orderId)).status).toBe('CANCELLED');
    expect(answer.message.order.fulfillment?.tags).toEqual({ '@abdm/gov.in/cancelledby': 'patient', '@abdm/gov.in/cancel_reason': 'P7' });
    expectContract('14-on_cancel', v2('14'), answer);
  });

  it("reads the patient app's DOCTOR_NO_SHOW (§7.3.3), the one state a consumer may set", async () => {
    const { uhi, opd, clock, ids, orderId } = await ordered();
    const answer = await uhi.onUpdate(replay({ ...v2('11'), context: { ...(v2('11')['context'] as object), timestamp: '2026-04-15T10:00:00Z' } }, ids, clock));
    expect(answer.order.state).toBe('DOCTOR_NO_SHOW');
    expect((await opd.getToken(orderId)).cancelReason).toBe('DOCTOR_NO_SHOW');
  });

  it('accepts the 2023 Postman search and every deprecated 2022 request, answering in the v2.0 form', async () => {
    const { uhi, clock } = await hospital();
    // 2023: a teleconsultation (`Online`) search finds no physical slot; the answer keeps the v2.0 shape.
    const online = await uhi.search(replay(read('nha-uhi-repo-postman-2023-search.json'), {}, clock));
    expect(online.message.catalog.providers).toEqual([]);
    clock.set('2026-04-15T09:00:00Z');
    const old = read('nha-uhi-repo-DEPRECATED-hackathon-2022-First_Gateway_Search-search.json') as {
      context: object;
      message: { intent: { fulfillment: object } };
    };
    const physical = await uhi.search({
      ...old,
      context: { ...old.context, timestamp: '2026-04-15T09:00:00Z' },
      message: {
        intent: {
          fulfillment: {
            ...old.message.intent.fulfillment,
            start: { time: { timestamp: '2026-04-16T00:00:00' } },
            end: { time: { timestamp: '2026-04-16T23:59:59' } },
          },
        },
      },
    });
    // The agent named "ganesh", a `PhysicalConsultation` (2022's name for Physical).
    expect(physical.message.catalog.providers[0]?.fulfillments.map((f) => f.id)).toEqual(['slot-0416-1000']);
    expectContract('2022 search', v2('04'), physical);
    expect((await uhi.search(replay(read('nha-uhi-repo-DEPRECATED-hackathon-2022-HSPA_Search-search.json'), {}))).message.catalog.providers).toEqual([]);
    const init = await uhi.init(
      replay(read('nha-uhi-repo-DEPRECATED-hackathon-2022-HSPA_Init-init.json'), { 'e61a1aa1-c66d-4fcf-9467-85389c0f49b1': 'slot-0416-1000' }),
    );
    expect(init.message.order.id).toBeTruthy();
    expectContract('06-on_init', v2('06'), init);
    const confirmed = await uhi.confirm(
      replay(read('nha-uhi-repo-DEPRECATED-hackathon-2022-HSPA_Confirm-confirm.json'), {
        'd5c3cce0-fbc9-11ec-8065-1b33c5dfb7fd': init.message.order.id!,
        'c3f44469-28c2-4dfa-b231-524c8e42362d': 'slot-0416-1000',
      }),
    );
    expect(confirmed.message.order.state).toBe('CONFIRMED');
  });

  it('lists only differences that still occur', () => {
    // Runs last: every justified difference was met by one of the replays above.
    expect(DIFFERENCES.filter(([f, p]) => !seen.has(`${f}|${p}`)).map(([f, p]) => `${f} ${p}`)).toEqual([]);
  });
});
