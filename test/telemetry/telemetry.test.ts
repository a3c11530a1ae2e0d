import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, ROOT_CONTEXT, context, metrics, trace } from '@opentelemetry/api';
import {
  CategoryPriority,
  ErrorSummary,
  MemoryStorage,
  NoElasticCapacity,
  OPD_ATTRIBUTES,
  OPD_INSTRUMENTATION_SCOPE,
  OPD_METRICS,
  OpdScheduler,
  RuleOverflow,
  StagedOffers,
  presets,
  type OpdSchedulerOptions,
  type StorageAdapter,
  isOpdError,
} from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, TestClock, at, doctorWithSlots, rejectsWith, request } from '../helpers.js';
import { Observed } from './support.js';

const A = OPD_ATTRIBUTES;
const M = OPD_METRICS;

/** Emergencies bump; others wait on the day's waitlist; a displaced token cascades, else is dropped. */
function dayPolicy(): Pick<OpdSchedulerOptions, 'priority' | 'capacity' | 'overflow'> {
  return {
    priority: new CategoryPriority({ name: 'day' }),
    capacity: new NoElasticCapacity(),
    overflow: new RuleOverflow({
      name: 'day',
      whenFull: { EMERGENCY: ['bump', 'waitlist'], default: ['waitlist'] },
      whenDisplaced: { default: [{ kind: 'cascade' }, { kind: 'drop' }] },
      waitlist: 'day',
    }),
  };
}

const observed: Observed[] = [];
afterEach(async () => {
  for (const o of observed.splice(0)) await o.shutdown();
});

function observedScheduler(options: OpdSchedulerOptions = {}): { opd: OpdScheduler; otel: Observed; clock: TestClock } {
  const otel = new Observed();
  observed.push(otel);
  const clock = new TestClock();
  return { opd: new OpdScheduler({ clock: clock.now, ...options, telemetry: otel.telemetry }), otel, clock };
}

/** The public methods of the class (what a span per call must cover). */
function publicMethods(): string[] {
  return Object.getOwnPropertyNames(OpdScheduler.prototype).filter((name) => {
    const descriptor = Object.getOwnPropertyDescriptor(OpdScheduler.prototype, name)!;
    return name !== 'constructor' && typeof descriptor.value === 'function';
  });
}

describe('spans', () => {
  it('a span opd.<method> for every public method, with the ids of the call', async () => {
    const { opd, otel, clock } = observedScheduler({ retention: { patientDataDays: 30 } });
    expect(opd.dayOf(at('09:00'))).toBe(DAY);
    const doctor = await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    await opd.listDoctors();
    const [nine, ten] = await opd.addSlots('d1', [
      { id: 's9', start: at('09:00'), end: at('10:00'), capacity: 2 },
      { id: 's10', start: at('10:00'), end: at('11:00'), capacity: 2 },
    ]);
    const rota = { weekly: [{ weekday: 5, start: '13:00', end: '14:00', slotMinutes: 60, capacity: 1 }], from: DAY, to: DAY };
    await opd.addRecurringSlots('d1', rota, { dryRun: true });
    await opd.addRecurringSlots('d1', rota);
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 's9' }));
    const other = await opd.book(request('d1', 'WALK_IN', { slotId: 's9' }));
    const late = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 's10' }));
    await opd.getToken(booked.token.id);
    await opd.getSlot('s9');
    await opd.getSchedule('d1', DAY);
    await opd.getWaitlist('d1', DAY);
    expect(opd.now()).toEqual(at('07:00'));
    await opd.availability({ doctorId: 'd1', category: 'ONLINE', from: at('00:00'), to: at('23:59') });
    await opd.stats({ doctorId: 'd1' });
    await opd.history({ after: 0, limit: 2 });
    const tail = opd.tail({ after: 0 });
    const seen: string[] = [];
    for await (const event of tail) {
      seen.push(event.type);
      if (seen.length === 3) break;
    }
    await opd.setCapacity('s10', 3);
    await opd.closeSlot('s10', { dryRun: true });
    await opd.closeSlot('s10');
    await opd.reopenSlot('s10');
    await opd.closeSlots('d1', { from: at('10:00'), to: at('11:00'), reason: 'on leave', dryRun: true });
    clock.set(at('09:05'));
    await opd.checkIn(booked.token.id);
    await opd.startConsultation(booked.token.id);
    await opd.complete(booked.token.id);
    await opd.move(late.token.id, { slotId: 's10' }, { dryRun: true });
    await opd.move(late.token.id, { slotId: 's10' }); // cascaded to the rota's slot when s10 closed
    await opd.cancel(late.token.id, { reason: 'not coming' });
    clock.set(at('09:20'));
    await opd.markNoShow(other.token.id);
    await opd.sweep();
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 's10' }), holdMinutes: 5 });
    await opd.confirm(held.token.id);
    const released = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 's10' }), holdMinutes: 5 });
    await opd.release(released.token.id);
    await opd.reinstate(other.token.id);
    await opd.checkIn(held.token.id);
    await opd.callNext('d1', { room: '4' });
    await opd.recall(held.token.id);
    await opd.getDoctor('d1');
    await opd.updateDoctor('d1', { room: '4' });
    await opd.retireDoctor('d1', { from: at('23:00'), dryRun: true });
    clock.set(at('15:00')); // the day's last slot (the rota's, 13:00-14:00) has ended
    await opd.closeDay('d1', DAY, { dryRun: true });
    await opd.explain(booked.token.id);
    await opd.explainText(booked.token.id, { lang: 'hi' });
    await opd.fairness({ doctorId: 'd1', date: DAY });
    await opd.exportPatient('nobody');
    await opd.erasePatient('nobody');
    await opd.purge();
    await opd.close();
    // Offers, on a scheduler with them: a freed place offered to the waiting, declined by one and accepted by the next.
    const offering = observedScheduler({ offers: new StagedOffers({ windowMinutes: 30 }), servicePoints: [{ id: 'lab', kind: 'lab' }] });
    await offering.opd.addDoctor({ id: 'd2', name: 'Dr Two' });
    await offering.opd.addSlots('d2', [{ id: 'o12', start: at('12:00'), end: at('13:00'), capacity: 1, overflowCapacity: 0 }]);
    const leaving = await offering.opd.book(request('d2', 'ONLINE'));
    await offering.opd.book(request('d2', 'ONLINE'));
    await offering.opd.book(request('d2', 'ONLINE'));
    const [first] = (await offering.opd.cancel(leaving.token.id)).effects.filter((e) => e.type === 'token:offered');
    const [second] = (await offering.opd.declineOffer(first!.type === 'token:offered' ? first!.offerId : '')).effects.filter((e) => e.type === 'token:offered');
    const accepted = await offering.opd.acceptOffer(second!.type === 'token:offered' ? second!.offerId : '');
    // A desk's lease of the place left, given back.
    await offering.opd.addSlots('d2', [{ id: 'o20', start: at('20:00'), end: at('21:00'), capacity: 3, overflowCapacity: 0 }]);
    const lease = await offering.opd.leaseCapacity({ deskId: 'D1', doctorId: 'd2', date: DAY, places: 1, ttlMinutes: 30 });
    // A desk that issued nothing reconciles: the lease goes back.
    expect((await offering.opd.reconcile({ lease, log: () => [] })).lease.status).toBe('RETURNED');
    await offering.opd.returnLease(lease);
    await offering.opd.importManualRegister([{ doctorId: 'd2', label: 'M1', category: 'WALK_IN', slotId: 'o20' }]);
    // The patient who took the offer arrives and is sent to the lab: a journey.
    await offering.opd.checkIn(accepted.token.id);
    await offering.opd.forward(accepted.token.id, { to: 'lab' });
    expect((await offering.opd.getServicePointQueue('lab', DAY)).map((t) => t.id)).toEqual([accepted.token.id]);
    // A doctor's pause, ended early.
    await offering.opd.pauseDoctor('d2', { minutes: 10, reason: 'tea' });
    await offering.opd.resumeDoctor('d2');
    await offering.opd.close();
    // Coming back: a charged visit opens free revisits; a follow-up with no place in its window is
    // due, then cancelled; a series booked for one day, then cancelled.
    const back = observedScheduler({ followUps: { freeWithinDays: 10, freeVisits: 1, scope: 'doctor' } });
    await back.opd.addDoctor({ id: 'd3', name: 'Dr Three' });
    await back.opd.addSlots('d3', [{ id: 'b9', start: at('09:00'), end: at('10:00'), capacity: 3 }]);
    const visit = await back.opd.book(request('d3', 'ONLINE', { slotId: 'b9' }));
    back.clock.set(at('09:05'));
    await back.opd.checkIn(visit.token.id);
    await back.opd.startConsultation(visit.token.id);
    await back.opd.complete(visit.token.id, { charged: true });
    await back.opd.entitlementOf(visit.token.patient.id!, { doctorId: 'd3' });
    const { followUp } = await back.opd.bookFollowUp(visit.token.id, { afterDays: 7, windowDays: 1 });
    expect((await back.opd.dueFollowUps({ doctorId: 'd3' })).map((f) => f.id)).toEqual([followUp.id]);
    await back.opd.cancelFollowUp(followUp.id, { actor: 'desk' });
    const series = await back.opd.bookSeries({
      patient: { id: 'ps', name: 'Series' },
      doctorId: 'd3',
      start: DAY,
      every: { days: 1 },
      count: 1,
      mode: 'best-effort',
      idempotencyKey: 'series-1',
    });
    await back.opd.cancelSeries(series.seriesId, { actor: 'desk' });
    await back.opd.close();

    const names = new Set([...otel.spans(), ...offering.otel.spans(), ...back.otel.spans()].map((s) => s.name));
    for (const method of publicMethods()) expect(names, method).toContain(`opd.${method}`);
    for (const span of otel.spans()) {
      expect(span.instrumentationScope.name).toBe(OPD_INSTRUMENTATION_SCOPE);
      expect(span.status.code, span.name).toBe(0);
    }

    const only = (method: string) => {
      const spans = otel.spansOf(method);
      expect(spans, method).toHaveLength(1);
      return spans[0]!.attributes;
    };
    expect(only('addDoctor')).toMatchObject({ [A.doctorId]: doctor.id, [A.outcome]: 'OK' });
    expect(only('addSlots')).toMatchObject({ [A.doctorId]: 'd1' });
    expect(otel.spansOf('book')[0]!.attributes).toEqual({
      [A.doctorId]: 'd1',
      [A.slotId]: nine!.id,
      [A.tokenId]: booked.token.id,
      [A.category]: 'ONLINE',
      [A.outcome]: 'BOOKED',
      [A.effects]: 0,
    });
    expect(only('getToken')).toMatchObject({ [A.tokenId]: booked.token.id, [A.doctorId]: 'd1', [A.slotId]: 's9' });
    expect(only('getSlot')).toMatchObject({ [A.slotId]: 's9', [A.doctorId]: 'd1' });
    expect(only('getSchedule')).toMatchObject({ [A.doctorId]: 'd1' });
    expect(only('getWaitlist')).toMatchObject({ [A.doctorId]: 'd1' });
    expect(only('availability')).toMatchObject({ [A.doctorId]: 'd1', [A.outcome]: 'OK' });
    expect(only('tail')).toEqual({ [A.outcome]: 'OK', [A.effects]: 3 });
    expect(only('setCapacity')).toMatchObject({ [A.slotId]: ten!.id, [A.doctorId]: 'd1', [A.dryRun]: false, [A.effects]: 1 });
    expect(otel.spansOf('closeSlot')[0]!.attributes).toMatchObject({ [A.slotId]: 's10', [A.dryRun]: true, [A.effects]: 2 });
    expect(only('closeSlots')).toMatchObject({ [A.doctorId]: 'd1', [A.dryRun]: true, [A.effects]: 1 });
    expect(otel.spansOf('addRecurringSlots').map((s) => [s.attributes[A.doctorId], s.attributes[A.dryRun]])).toEqual([
      ['d1', true],
      ['d1', false],
    ]);
    const moves = otel.spansOf('move').map((s) => s.attributes);
    expect(moves).toEqual([
      { [A.tokenId]: late.token.id, [A.doctorId]: 'd1', [A.slotId]: 's10', [A.outcome]: 'OK', [A.effects]: 0, [A.dryRun]: true },
      { [A.tokenId]: late.token.id, [A.doctorId]: 'd1', [A.slotId]: 's10', [A.outcome]: 'OK', [A.effects]: 0, [A.dryRun]: false },
    ]);
    expect(only('reopenSlot')).toMatchObject({ [A.slotId]: 's10', [A.doctorId]: 'd1', [A.dryRun]: false, [A.effects]: 1 });
    expect(only('cancel')).toEqual({ [A.outcome]: 'OK', [A.tokenId]: late.token.id, [A.doctorId]: 'd1', [A.effects]: 0 });
    expect(only('markNoShow')).toMatchObject({ [A.tokenId]: other.token.id });
    for (const method of ['startConsultation', 'complete']) expect(only(method)).toMatchObject({ [A.tokenId]: booked.token.id });
    expect(otel.spansOf('checkIn')[0]!.attributes).toMatchObject({ [A.tokenId]: booked.token.id });
    expect(only('callNext')).toMatchObject({ [A.tokenId]: held.token.id, [A.doctorId]: 'd1' });
    expect(only('recall')).toMatchObject({ [A.tokenId]: held.token.id });
    expect(only('getDoctor')).toEqual({ [A.doctorId]: 'd1', [A.outcome]: 'OK' });
    expect(only('updateDoctor')).toEqual({ [A.doctorId]: 'd1', [A.outcome]: 'OK' });
    expect(only('retireDoctor')).toEqual({ [A.doctorId]: 'd1', [A.outcome]: 'OK', [A.dryRun]: true, [A.effects]: 1 });
    expect(only('reinstate')).toMatchObject({ [A.tokenId]: other.token.id });
    expect(offering.otel.spansOf('acceptOffer').map((s) => s.attributes)).toEqual([
      expect.objectContaining({ [A.tokenId]: accepted.token.id, [A.doctorId]: 'd2', [A.slotId]: 'o12', [A.effects]: 1 }),
    ]);
    expect(offering.otel.spansOf('declineOffer').map((s) => s.attributes)).toEqual([expect.objectContaining({ [A.doctorId]: 'd2', [A.effects]: 1 })]);
    // The cancel reason is free text from the desk: never an attribute.
    expect(JSON.stringify(otel.spans().map((s) => s.attributes))).not.toContain('not coming');
  });

  it('a failure: status ERROR with the message, error.type the code, the ids it names, the exception without its cause', async () => {
    const { opd, otel } = observedScheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const error = await rejectsWith(opd.getToken('d1:2026-01-30:404'), 'TOKEN_NOT_FOUND');
    const [span] = otel.spansOf('getToken');
    expect(span!.status).toEqual({ code: 2, message: error.message });
    expect(span!.attributes).toEqual({ [A.outcome]: 'FAILED', [A.errorType]: 'TOKEN_NOT_FOUND', [A.tokenId]: 'd1:2026-01-30:404' });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
    expect(span!.events[0]!.attributes).toMatchObject({ 'exception.type': 'TOKEN_NOT_FOUND', 'exception.message': error.message });

    // A booking that fails names the doctor and slot its error names.
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', date: '2026-02-01' })), 'VALIDATION_FAILED');
    await rejectsWith(opd.addSlots('d1', [{ start: at('09:30'), end: at('10:30'), capacity: 1 }]), 'SLOT_OVERLAP');
    expect(otel.spansOf('addSlots').at(-1)!.attributes).toMatchObject({ [A.errorType]: 'SLOT_OVERLAP', [A.doctorId]: 'd1', [A.slotId]: 'd1-09' });
    // An id refused as input is not recorded: it may be anything passed by mistake.
    await rejectsWith(opd.getSchedule('Asha Verma', DAY), 'VALIDATION_FAILED');
    expect(otel.spansOf('getSchedule').at(-1)!.attributes).toEqual({ [A.outcome]: 'FAILED', [A.errorType]: 'VALIDATION_FAILED' });
  });

  it('an SDK method that throws or returns a rejected promise costs no other record, and never an unhandled rejection', async () => {
    const otel = new Observed();
    observed.push(otel);
    const rejected = (): Promise<never> => Promise.reject(new Error('exporter down'));
    // The histogram throws; the counters count, then reject; every span method works, then rejects.
    const meterProvider = {
      getMeter: (name: string) => {
        const meter = otel.meterProvider.getMeter(name);
        return {
          createCounter: (n: string, o: object) => {
            const counter = meter.createCounter(n, o);
            return { add: (value: number, attributes?: Record<string, string>) => (counter.add(value, attributes), rejected()) };
          },
          createHistogram: () => ({
            record: () => {
              throw new Error('histogram broken');
            },
          }),
        };
      },
    };
    type Span = ReturnType<ReturnType<typeof otel.tracerProvider.getTracer>['startSpan']>;
    const rejecting = (span: Span) => ({
      isRecording: () => span.isRecording(),
      setAttributes: (a: Record<string, string | number | boolean>) => (span.setAttributes(a), rejected()),
      setStatus: (st: { code: number; message?: string }) => (span.setStatus(st), rejected()),
      recordException: (e: { name: string; message: string }) => (span.recordException(e), rejected()),
      end: () => (span.end(), rejected()),
    });
    const tracerProvider = {
      getTracer: (name: string) => {
        const tracer = otel.tracerProvider.getTracer(name);
        return {
          startSpan: (n: string, o?: object) => rejecting(tracer.startSpan(n, o)),
          startActiveSpan: (n: string, o: object, fn: (span: unknown) => unknown) => tracer.startActiveSpan(n, o, (span) => fn(rejecting(span))),
        };
      },
    };
    const clock = new TestClock();
    const opd = new OpdScheduler({ clock: clock.now, telemetry: { tracerProvider, meterProvider } as never });
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const refused = await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'nope' })), 'SLOT_NOT_FOUND');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const failedSpan = otel.spansOf('book')[1]!;
    expect(failedSpan.status).toEqual({ code: 2, message: refused.message });
    expect(failedSpan.attributes).toMatchObject({ [A.outcome]: 'FAILED', [A.errorType]: 'SLOT_NOT_FOUND' });
    expect(failedSpan.events.map((e) => e.name)).toEqual(['exception']);
    expect(otel.spansOf('book')[0]!.attributes).toMatchObject({ [A.outcome]: 'BOOKED', [A.slotId]: 'd1-09' });
    expect(await otel.value(M.bookings, { [A.category]: 'ONLINE', [A.outcome]: 'BOOKED' })).toBe(1);
    expect(await otel.value(M.bookings, { [A.outcome]: 'FAILED', [A.errorType]: 'SLOT_NOT_FOUND' })).toBe(1);
    await opd.close();
  });

  it('a call refused because the scheduler is closed is recorded like any failure', async () => {
    const { opd, otel } = observedScheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.close();
    await rejectsWith(opd.book(request('d1', 'ONLINE')), 'STORAGE_FAILURE');
    expect(otel.spansOf('book')[0]!.attributes).toEqual({ [A.outcome]: 'FAILED', [A.errorType]: 'STORAGE_FAILURE' });
    expect(await otel.value(M.bookings, { [A.outcome]: 'FAILED', [A.errorType]: 'STORAGE_FAILURE' })).toBe(1);
  });

  it('a storage failure whose cause quotes a patient records the OpdError only', async () => {
    const storage = new MemoryStorage();
    const leaky: StorageAdapter = Object.create(storage, {
      transact: {
        value: async (...args: Parameters<StorageAdapter['transact']>) => {
          const [request] = args;
          if ('doctorId' in request && request.doctorId === 'd1' && 'days' in request) throw new Error('row (Asha Verma, ABHA-91-2222) violates a constraint');
          return storage.transact(...args);
        },
      },
    });
    const { opd, otel } = observedScheduler({ storage: leaky });
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    const failure = opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'ABHA-91-2222', name: 'Asha Verma' } });
    const error = await rejectsWith(failure, 'STORAGE_FAILURE');
    // The adapter's own message is not kept in the cause either: only its class.
    expect((error as unknown as { cause: ErrorSummary }).cause).toBeInstanceOf(ErrorSummary);
    expect(String((error as unknown as { cause: Error }).cause.message)).not.toContain('Asha');
    const span = otel.spansOf('book')[0]!;
    expect(span.attributes[A.errorType]).toBe('STORAGE_FAILURE');
    const recorded = JSON.stringify([span.attributes, span.events, span.status]);
    expect(recorded).toContain('The storage adapter failed');
    expect(recorded).not.toContain('Asha');
    expect(recorded).not.toContain('ABHA-91');
  });

  it('a replayed booking says so and is counted once', async () => {
    const { opd, otel } = observedScheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const first = await opd.book(request('d1', 'ONLINE', { idempotencyKey: 'k1' }));
    const again = await opd.book({ ...request('d1', 'ONLINE', { idempotencyKey: 'k1' }), patient: first.token.patient });
    expect(again.replayed).toBe(true);
    expect(otel.spansOf('book')[1]!.attributes).toMatchObject({ [A.replayed]: true, [A.tokenId]: first.token.id });
    expect(await otel.value(M.bookings, { [A.category]: 'ONLINE', [A.outcome]: 'BOOKED' })).toBe(1);
  });
});

/** What the Node SDK registers: the active context follows async calls. */
class AsyncContext implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

describe('span context', () => {
  afterEach(() => context.disable());

  it("a call's span is the child of the caller's and the parent of the storage's spans", async () => {
    context.setGlobalContextManager(new AsyncContext());
    const otel = new Observed();
    observed.push(otel);
    const tracer = otel.tracerProvider.getTracer('test');
    const storage = new MemoryStorage();
    const traced: StorageAdapter = Object.create(storage, {
      transact: {
        value: async (...args: Parameters<StorageAdapter['transact']>) => {
          tracer.startSpan('db.transaction').end();
          return storage.transact(...args);
        },
      },
    });
    const opd = new OpdScheduler({ clock: new TestClock().now, storage: traced, telemetry: otel.telemetry });
    await doctorWithSlots(opd, 'd1', [9], 1);
    await tracer.startActiveSpan('http.request', async (parent) => {
      await opd.book(request('d1', 'ONLINE'));
      parent.end();
    });
    const byName = (name: string) =>
      otel
        .spans()
        .filter((s) => s.name === name)
        .at(-1)!;
    const [http, book, db] = [byName('http.request'), byName('opd.book'), byName('db.transaction')];
    expect(book.spanContext().traceId).toBe(http.spanContext().traceId);
    expect(book.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(db.parentSpanContext?.spanId).toBe(book.spanContext().spanId);
    // Calls outside any span start their own trace.
    expect(otel.spansOf('addSlots')[0]!.parentSpanContext).toBeUndefined();
  });
});

describe('metrics', () => {
  it('counts bookings, bumps, cascades, promotions and drops of a day, not of dry runs, and times every call', async () => {
    const { opd, otel } = observedScheduler(dayPolicy());
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    // The emergency bumps A out of 09:00; A cascades to 11:00.
    const e = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(e.effects.map((x) => x.type)).toEqual(['token:bumped', 'token:cascaded']);
    const w = await opd.book(request('d1', 'WALK_IN'));
    expect(w.outcome).toBe('WAITLISTED');
    // Cancelling B promotes W into 10:00.
    const cancelled = await opd.cancel(b.token.id);
    expect(cancelled.effects.map((x) => x.type)).toEqual(['token:promoted']);
    // A dry run of closing 10:00 would drop W: nothing is counted.
    const dry = await opd.closeSlot('d1-10', { dryRun: true });
    expect(dry.map((x) => x.type)).toEqual(['slot:closed', 'token:dropped']);
    // Lowering 11:00 to nothing displaces A, who has no later slot: dropped.
    const lowered = await opd.setCapacity('d1-11', 0);
    expect(lowered.map((x) => x.type)).toEqual(['slot:capacity-changed', 'token:dropped']);
    expect((await opd.getToken(a.token.id)).status).toBe('DROPPED');
    await rejectsWith(opd.book(request('d1', 'NOPE')), 'VALIDATION_FAILED');

    const points = await otel.points();
    const counters = points.filter((p) => p.metric !== M.duration && p.metric !== M.unitDuration).map((p) => [p.metric, p.unit, p.attributes, p.value]);
    expect(counters).toEqual(
      expect.arrayContaining([
        [M.bookings, '{booking}', { [A.category]: 'ONLINE', [A.outcome]: 'BOOKED' }, 2],
        [M.bookings, '{booking}', { [A.category]: 'WALK_IN', [A.outcome]: 'WAITLISTED' }, 1],
        [M.bookings, '{booking}', { [A.category]: 'EMERGENCY', [A.outcome]: 'BOOKED' }, 1],
        [M.bookings, '{booking}', { [A.outcome]: 'FAILED', [A.errorType]: 'VALIDATION_FAILED' }, 1],
        [M.bumps, '{bump}', {}, 1],
        [M.cascades, '{cascade}', { [A.reason]: 'bumped' }, 1],
        [M.promotions, '{promotion}', {}, 1],
        [M.drops, '{drop}', { [A.reason]: 'capacity-lowered' }, 1],
      ]),
    );
    expect(counters).toHaveLength(8);

    const durations = points.filter((p) => p.metric === M.duration);
    expect(durations.every((p) => p.unit === 's')).toBe(true);
    const count = (method: string, errorType?: string): number =>
      durations.find((p) => p.attributes[A.method] === method && p.attributes[A.errorType] === errorType)?.value ?? 0;
    expect([count('addDoctor'), count('addSlots'), count('book'), count('cancel'), count('closeSlot'), count('setCapacity'), count('getToken')]).toEqual([
      1, 1, 4, 1, 1, 1, 1,
    ]);
    expect(count('book', 'VALIDATION_FAILED')).toBe(1);
    const book = durations.find((p) => p.attributes[A.method] === 'book' && p.attributes[A.errorType] === undefined)!;
    // Seconds: four in-memory bookings take well under a second, and more than nothing.
    expect(book.sum).toBeGreaterThan(0);
    expect(book.sum).toBeLessThan(4);

    // One point per unit of work: the refused booking failed before its unit, a read runs none,
    // and the dry run's unit ran under the lock like any other.
    const units = points.filter((p) => p.metric === M.unitDuration);
    expect(units.every((p) => p.unit === 's' && p.attributes[A.errorType] === undefined)).toBe(true);
    const unitCount = (method: string): number => units.find((p) => p.attributes[A.method] === method)?.value ?? 0;
    expect([
      unitCount('addDoctor'),
      unitCount('addSlots'),
      unitCount('book'),
      unitCount('cancel'),
      unitCount('closeSlot'),
      unitCount('setCapacity'),
      unitCount('getToken'),
    ]).toEqual([1, 1, 4, 1, 1, 1, 0]);
    // A unit is part of its call.
    const bookUnits = units.find((p) => p.attributes[A.method] === 'book')!;
    expect(bookUnits.sum).toBeGreaterThan(0);
    expect(bookUnits.sum).toBeLessThanOrEqual(book.sum!);
  });

  it('counts offers of freed places by how each ended: offered, accepted, lapsed, declined', async () => {
    const { opd, otel } = observedScheduler({ ...presets.standard(), offers: new StagedOffers({ windowMinutes: 15, groupSize: 2 }) });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const a = await opd.book(request('d1', 'ONLINE'));
    const waiting = [await opd.book(request('d1', 'ONLINE')), await opd.book(request('d1', 'ONLINE'))];
    expect(waiting.map((w) => w.outcome)).toEqual(['WAITLISTED', 'WAITLISTED']);
    const offers = (await opd.cancel(a.token.id)).effects.filter((e) => e.type === 'token:offered');
    expect(offers).toHaveLength(2);
    // The first candidate declines, the second accepts; nobody lapses (the group had two).
    await opd.declineOffer(offers[0]!.offerId);
    await opd.acceptOffer(offers[1]!.offerId);
    // A retried accept is a replay: not counted again.
    await opd.acceptOffer(offers[1]!.offerId);
    const points = await otel.points();
    const offerPoints = points.filter((p) => p.metric === M.offers).map((p) => [p.unit, p.attributes, p.value]);
    expect(offerPoints).toEqual(
      expect.arrayContaining([
        ['{offer}', { [A.offerOutcome]: 'offered' }, 2],
        ['{offer}', { [A.offerOutcome]: 'declined' }, 1],
        ['{offer}', { [A.offerOutcome]: 'accepted' }, 1],
      ]),
    );
    expect(offerPoints).toHaveLength(3);
  });

  it('times each unit of work: a sweep over two days is two units; a refusal decided in its unit is a failed unit', async () => {
    const { opd, otel, clock } = observedScheduler(dayPolicy());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.addSlots('d1', [
      { id: 'next-09', start: new Date(at('09:00').getTime() + 86_400_000), end: new Date(at('10:00').getTime() + 86_400_000), capacity: 1 },
    ]);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'next-09' }));
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 10 });
    await rejectsWith(opd.book(request('nobody', 'ONLINE')), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.confirm('d1~1999-01-01~1'), 'TOKEN_NOT_FOUND');
    // Both no-shows are due: the day of the first and, the clock a day on, the second's.
    clock.set(new Date(at('09:20').getTime() + 86_400_000));
    const effects = await opd.sweep();
    expect(effects.filter((e) => e.type === 'token:no-show')).toHaveLength(2);
    expect(effects.some((e) => e.type === 'token:expired' && e.tokenId === held.token.id)).toBe(true);

    const value = (attributes: Record<string, string>): Promise<number> => otel.value(M.unitDuration, attributes);
    expect(await value({ [A.method]: 'sweep' })).toBe(2);
    expect(await otel.value(M.duration, { [A.method]: 'sweep' })).toBe(1);
    expect(await value({ [A.method]: 'hold' })).toBe(1);
    expect(await value({ [A.method]: 'book' })).toBe(2);
    expect(await value({ [A.method]: 'book', [A.errorType]: 'DOCTOR_NOT_FOUND' })).toBe(1);
    expect(await value({ [A.method]: 'confirm', [A.errorType]: 'TOKEN_NOT_FOUND' })).toBe(1);
  });

  it("an adapter's failure, thrown or rejected, is a failed unit; nothing is left unhandled", async () => {
    const storage = new MemoryStorage();
    let mode: 'throw' | 'reject' | 'pass' = 'pass';
    const failing: StorageAdapter = Object.create(storage, {
      transact: {
        value: (...args: Parameters<StorageAdapter['transact']>) => {
          if (mode === 'throw') throw new Error('connection reset');
          if (mode === 'reject') return Promise.reject(new Error('connection reset'));
          return storage.transact(...args);
        },
      },
    });
    const { opd, otel } = observedScheduler({ storage: failing });
    await doctorWithSlots(opd, 'd1', [9], 2);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      mode = 'throw';
      await rejectsWith(opd.book(request('d1', 'ONLINE')), 'STORAGE_FAILURE');
      mode = 'reject';
      await rejectsWith(opd.cancel('d1~2026-01-05~1'), 'STORAGE_FAILURE');
      mode = 'pass';
      await opd.book(request('d1', 'ONLINE'));
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(await otel.value(M.unitDuration, { [A.method]: 'book', [A.errorType]: 'STORAGE_FAILURE' })).toBe(1);
    expect(await otel.value(M.unitDuration, { [A.method]: 'cancel', [A.errorType]: 'STORAGE_FAILURE' })).toBe(1);
    expect(await otel.value(M.unitDuration, { [A.method]: 'book' })).toBe(1);
  });

  it('sweeps count promotions into the places of no-shows', async () => {
    const { opd, otel, clock } = observedScheduler(dayPolicy());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    expect(waiting.outcome).toBe('WAITLISTED');
    clock.set(at('10:20'));
    const effects = await opd.sweep();
    expect(effects.map((e) => e.type)).toEqual(['token:no-show', 'token:promoted']);
    expect(await otel.value(M.promotions)).toBe(1);
    expect(await otel.value(M.duration, { [A.method]: 'sweep' })).toBe(1);
  });
});

describe('where telemetry goes', () => {
  afterEach(() => {
    trace.disable();
    metrics.disable();
  });

  it('by default, to the global providers of @opentelemetry/api; with telemetry: false, nowhere', async () => {
    const otel = new Observed();
    observed.push(otel);
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    const opd = new OpdScheduler({ clock: new TestClock().now });
    const off = new OpdScheduler({ clock: new TestClock().now, telemetry: false });
    // The first calls start before the API is loaded: they run at once, reading their input
    // when made, and are recorded once it is loaded.
    const second = { id: 'd2', name: 'Dr Two' };
    const both = Promise.all([opd.addDoctor({ id: 'd1', name: 'Dr One' }), opd.addDoctor(second)]);
    second.id = 'changed-after-the-call';
    await both;
    expect((await opd.listDoctors()).map((d) => d.id)).toEqual(['d1', 'd2']);
    await off.addDoctor({ id: 'd1', name: 'Dr One' });
    expect(
      otel
        .spansOf('addDoctor')
        .map((s) => s.attributes[A.doctorId])
        .sort(),
    ).toEqual(['d1', 'd2']);
    expect(await otel.value(M.duration, { [A.method]: 'addDoctor' })).toBe(2);
    // Their units were timed, and recorded once the API was loaded.
    expect(await otel.value(M.unitDuration, { [A.method]: 'addDoctor' })).toBe(2);
  });

  it('calls before an SDK is registered record nothing; the calls after it are traced', async () => {
    const opd = new OpdScheduler({ clock: new TestClock().now });
    // The API is loaded, its global tracer provider has no SDK behind it yet.
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    const otel = new Observed();
    observed.push(otel);
    trace.setGlobalTracerProvider(otel.tracerProvider);
    await opd.addDoctor({ id: 'd2', name: 'Dr Two' });
    await rejectsWith(opd.addDoctor({ id: 'd2', name: 'Dr Two' }), 'VALIDATION_FAILED');
    const spans = otel.spansOf('addDoctor');
    expect(spans).toHaveLength(2);
    expect(spans.filter((s) => s.status.code === 2)).toHaveLength(1);
  });

  it('a tracer provider given and the global meter provider', async () => {
    const traced = new Observed();
    const measured = new Observed();
    observed.push(traced, measured);
    metrics.setGlobalMeterProvider(measured.meterProvider);
    const opd = new OpdScheduler({ telemetry: { tracerProvider: traced.tracerProvider } });
    await opd.listDoctors();
    expect(traced.spansOf('listDoctors')).toHaveLength(1);
    expect(measured.spans()).toHaveLength(0);
    expect(await measured.value(M.duration, { [A.method]: 'listDoctors' })).toBe(1);
    expect(await traced.points()).toEqual([]);
  });

  it('validates the option', () => {
    const field = (telemetry: unknown): unknown => {
      try {
        new OpdScheduler({ telemetry } as OpdSchedulerOptions);
        return 'accepted';
      } catch (error) {
        return isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : error;
      }
    };
    expect(field(undefined)).toBe('accepted');
    expect(field({})).toBe('accepted');
    expect(field(true)).toBe('telemetry');
    expect(field({ tracerProvider: {} })).toBe('telemetry.tracerProvider');
    expect(field({ meterProvider: { getTracer: () => undefined } })).toBe('telemetry.meterProvider');
    expect(field({ traceProvider: trace.getTracerProvider() })).toBe('telemetry.traceProvider');
  });

  it('a failing SDK never fails a call', async () => {
    const boom = (): never => {
      throw new Error('SDK bug');
    };
    const otel = new Observed();
    observed.push(otel);
    const clock = new TestClock();
    const throwing = [
      { tracerProvider: { getTracer: boom }, meterProvider: { getMeter: boom } },
      { tracerProvider: { getTracer: () => ({ startSpan: boom, startActiveSpan: boom }) }, meterProvider: otel.meterProvider },
      {
        tracerProvider: otel.tracerProvider,
        meterProvider: { getMeter: () => ({ createCounter: () => ({ add: boom }), createHistogram: () => ({ record: boom }) }) },
      },
    ];
    for (const telemetry of throwing) {
      const opd = new OpdScheduler({ ...dayPolicy(), clock: clock.now, telemetry });
      await doctorWithSlots(opd, 'd1', [9], 1);
      let runs = 0;
      opd.on('token:booked', () => runs++);
      const booked = await opd.book(request('d1', 'ONLINE'));
      expect(booked.outcome).toBe('BOOKED');
      expect(runs).toBe(1);
      await rejectsWith(opd.getToken('missing'), 'TOKEN_NOT_FOUND');
      expect(opd.dayOf(at('09:00'))).toBe(DAY);
      for await (const event of opd.tail()) if (event.type === 'token:booked') break;
      await opd.close();
    }
  });

  it("a tracer that drops the call's promise, calls back twice, late or never runs each call exactly once, with its result", async () => {
    let ended = 0;
    const span = {
      isRecording: () => true,
      setAttribute() {},
      setAttributes() {},
      setStatus() {},
      recordException() {},
      addEvent() {},
      end: () => void ended++,
    };
    const meterProvider = { getMeter: () => ({ createCounter: () => ({ add() {} }), createHistogram: () => ({ record() {} }) }) };
    type Callback = (s: typeof span) => unknown;
    const tracers = {
      'returns nothing': (fn: Callback) => void fn(span),
      'calls back twice': (fn: Callback) => (fn(span), fn(span)),
      'never calls back': () => 'not a promise',
      'calls back in a microtask': (fn: Callback) => queueMicrotask(() => fn(span)),
      'calls back from a timer': (fn: Callback) => void setTimeout(() => fn(span), 0),
    };
    for (const [label, startActiveSpan] of Object.entries(tracers)) {
      const tracer = { startSpan: () => span, startActiveSpan: (_name: string, _options: unknown, fn: Callback) => startActiveSpan(fn) };
      for (const providers of [{ tracerProvider: { getTracer: () => tracer }, meterProvider }, { tracerProvider: { getTracer: () => tracer } }]) {
        const opd = new OpdScheduler({ ...dayPolicy(), clock: new TestClock().now, telemetry: providers as never });
        const doctor = await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        expect(doctor.id, label).toBe('d1');
        await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 5 }]);
        const booked = await opd.book(request('d1', 'ONLINE'));
        expect(booked.outcome, label).toBe('BOOKED');
        // A late callback finds its call done: nothing runs again (a second booking, or a second
        // `addDoctor` refused as an unhandled rejection).
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect((await opd.stats()).byStatus.BOOKED, label).toBe(1);
        expect((await opd.getSlot('s09')).places, label).toHaveLength(1);
        await opd.close();
      }
    }
    expect(ended).toBeGreaterThan(0);
  });

  it('a tracer whose startActiveSpan returns a promise that settles as the call leaves no rejection unhandled when the call fails', async () => {
    const unhandled: unknown[] = [];
    const onRejection = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const span = { isRecording: () => true, setAttribute() {}, setAttributes() {}, setStatus() {}, recordException() {}, addEvent() {}, end() {} };
      // An async wrapper, as an SDK's own wrapper or a logging tracer is written.
      const tracer = {
        startSpan: () => span,
        startActiveSpan: async (_name: string, _options: unknown, fn: (s: typeof span) => Promise<unknown>) => await fn(span),
      };
      for (const telemetry of [
        { tracerProvider: { getTracer: () => tracer } },
        { tracerProvider: { getTracer: () => tracer }, meterProvider: { getMeter: () => undefined } },
      ]) {
        const opd = new OpdScheduler({ ...dayPolicy(), clock: new TestClock().now, telemetry: telemetry as never });
        await rejectsWith(opd.getToken('missing'), 'TOKEN_NOT_FOUND');
        await rejectsWith(opd.book(request('d1', 'ONLINE')), 'DOCTOR_NOT_FOUND');
        await new Promise((resolve) => setTimeout(resolve, 10));
        await opd.close();
      }
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('a provider that throws when any property it lacks is read neither fails the constructor nor any call', async () => {
    const otel = new Observed();
    observed.push(otel);
    const strict = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(t, key, receiver) {
          if (!(key in t)) throw new Error(`no property ${String(key)}`);
          const value: unknown = Reflect.get(t, key, receiver);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
        },
      });
    for (const telemetry of [
      { tracerProvider: strict(otel.tracerProvider), meterProvider: otel.meterProvider },
      { tracerProvider: strict(otel.tracerProvider) },
    ]) {
      const opd = new OpdScheduler({ ...dayPolicy(), clock: new TestClock().now, telemetry });
      expect((await opd.addDoctor({ id: 'd1', name: 'Dr One' })).id).toBe('d1');
      expect(await opd.listDoctors()).toHaveLength(1);
      await opd.close();
    }
  });
});
