import {
  type ActorOptions,
  type BookingResult,
  type Doctor,
  type DoctorPatchInput,
  type RetireInput,
  type RetireResult,
  type RotaInput,
  type LeaveInput,
  type Slot,
  type WeeklyRotaEntry,
  type CapacityStrategy,
  ChannelQuota,
  type ChannelQuotaOptions,
  type EstimateStatus,
  type QuotaContext,
  type QuotaStrategy,
  type DaySchedule,
  type Effect,
  type Protection,
  type RankContext,
  type OpdEvent,
  type OpdEvents,
  OpdScheduler,
  type OverflowStrategy,
  type PriorityPolicy,
  presets,
  type SlotView,
  type StorageAdapter,
  type Token,
  type TransitionResult,
  MemoryStorage,
  isOpdError,
  OpdError,
} from 'opd-scheduler';
import type {
  DoctorRetiredEvent,
  DoctorUpdatedEvent,
  EmergencyUnplacedEvent,
  SlotReopenedEvent,
  TokenBumpedEvent,
  TokenMovedEvent,
} from 'opd-scheduler/events';
import { describe, expectTypeOf, it } from 'vitest';

describe('public types', () => {
  it('the scheduler methods have the pinned signatures', () => {
    const opd = new OpdScheduler({ ...presets.cascade(), storage: new MemoryStorage(), timeZone: 'Asia/Kolkata' });
    expectTypeOf(opd.book).returns.resolves.toEqualTypeOf<BookingResult>();
    expectTypeOf(opd.getDoctor).parameters.toEqualTypeOf<[string]>();
    expectTypeOf(opd.getDoctor).returns.resolves.toEqualTypeOf<Doctor>();
    expectTypeOf(opd.updateDoctor).parameters.toEqualTypeOf<[string, DoctorPatchInput, (ActorOptions | undefined)?]>();
    expectTypeOf(opd.updateDoctor).returns.resolves.toEqualTypeOf<Doctor>();
    expectTypeOf(opd.retireDoctor).parameters.toEqualTypeOf<[string, RetireInput]>();
    expectTypeOf(opd.retireDoctor).returns.resolves.toEqualTypeOf<RetireResult>();
    expectTypeOf<Doctor['retiredFrom']>().toEqualTypeOf<Date | null>();
    expectTypeOf<DoctorPatchInput['consultMinutes']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<Parameters<OpdEvents['doctor:updated']>[0]>().toEqualTypeOf<DoctorUpdatedEvent>();
    expectTypeOf<Parameters<OpdEvents['doctor:retired']>[0]>().toEqualTypeOf<DoctorRetiredEvent>();
    expectTypeOf<DoctorUpdatedEvent['changes']['consultMinutes']>().toEqualTypeOf<
      { readonly before: number | null; readonly after: number | null } | undefined
    >();
    expectTypeOf(opd.cancel).returns.resolves.toEqualTypeOf<TransitionResult>();
    expectTypeOf(opd.sweep).returns.resolves.toEqualTypeOf<Effect[]>();
    expectTypeOf(opd.closeSlot)
      .parameter(1)
      .toEqualTypeOf<{ readonly reason?: string | undefined; readonly dryRun?: boolean | undefined; readonly actor?: string | undefined } | undefined>();
    expectTypeOf(opd.getSlot).returns.resolves.toEqualTypeOf<SlotView>();
    expectTypeOf(opd.getSchedule).returns.resolves.toEqualTypeOf<DaySchedule>();
    expectTypeOf(opd.getWaitlist).returns.resolves.toEqualTypeOf<Token[]>();
    expectTypeOf(opd.history).returns.resolves.toEqualTypeOf<OpdEvent[]>();
    expectTypeOf<BookingResult['outcome']>().toEqualTypeOf<'BOOKED' | 'WAITLISTED'>();
    expectTypeOf<Token['slotId']>().toEqualTypeOf<string | null>();
  });

  it('event listeners get typed payloads', () => {
    const opd = new OpdScheduler();
    opd.on('token:bumped', (event) => {
      expectTypeOf(event).toEqualTypeOf<TokenBumpedEvent>();
      expectTypeOf(event.byTokenId).toBeString();
      expectTypeOf(event.seq).toBeNumber();
    });
    opd.on('event', (event) => {
      if (event.type === 'token:cascaded') expectTypeOf(event.toSlotId).toBeString();
    });
    expectTypeOf<Parameters<OpdEvents['slot:closed']>[0]['reason']>().toEqualTypeOf<string | null>();
    expectTypeOf<Parameters<OpdEvents['slot:reopened']>[0]>().toEqualTypeOf<SlotReopenedEvent>();
    expectTypeOf(opd.reopenSlot).returns.toEqualTypeOf<Promise<Effect[]>>();
    expectTypeOf(opd.closeSlots).parameters.toEqualTypeOf<[string, LeaveInput]>();
    expectTypeOf(opd.closeSlots).returns.toEqualTypeOf<Promise<Effect[]>>();
    expectTypeOf<LeaveInput['reassign']>().toEqualTypeOf<'department' | undefined>();
    expectTypeOf<LeaveInput['from']>().toEqualTypeOf<Date | string>();
    expectTypeOf(opd.addRecurringSlots).parameter(1).toEqualTypeOf<RotaInput>();
    expectTypeOf(opd.addRecurringSlots).returns.toEqualTypeOf<Promise<Slot[]>>();
    expectTypeOf<RotaInput['weekly'][number]>().toEqualTypeOf<WeeklyRotaEntry>();
    opd.on('emergency:unplaced', (event) => {
      expectTypeOf(event).toEqualTypeOf<EmergencyUnplacedEvent>();
      expectTypeOf(event.tokenId).toBeString();
      expectTypeOf(event.day).toBeString();
    });
    // @ts-expect-error unknown event names are refused
    opd.on('token:teleported', () => {});
  });

  it('departments, department bookings and moves are typed', () => {
    const opd = new OpdScheduler();
    expectTypeOf<import('opd-scheduler').Doctor['department']>().toEqualTypeOf<string | null>();
    void opd.addDoctor({ name: 'x', department: 'cardiology' });
    expectTypeOf(opd.book({ department: 'cardiology', category: 'ONLINE', patient: { name: 'x' }, date: '2026-01-30' })).toEqualTypeOf<
      Promise<BookingResult>
    >();
    // @ts-expect-error a department booking names no doctor
    void opd.book({ department: 'cardiology', doctorId: 'd', category: 'ONLINE', patient: { name: 'x' } });
    expectTypeOf(opd.move).parameters.toEqualTypeOf<[string, import('opd-scheduler').MoveTarget, (import('opd-scheduler').MoveOptions | undefined)?]>();
    expectTypeOf(opd.move).returns.toEqualTypeOf<Promise<import('opd-scheduler').MoveResult>>();
    expectTypeOf<import('opd-scheduler').MoveResult['fromTokenId']>().toBeString();
    expectTypeOf<Parameters<OpdEvents['token:moved']>[0]>().toEqualTypeOf<TokenMovedEvent>();
    expectTypeOf<TokenMovedEvent['fromSlotId']>().toEqualTypeOf<string | null>();
    expectTypeOf<StorageAdapter['multiDoctor']>().toEqualTypeOf<boolean | undefined>();
    const error: unknown = new OpdError('DEPARTMENT_NOT_FOUND', 'x', { details: { field: 'department', department: 'c' } });
    if (isOpdError(error, 'DEPARTMENT_NOT_FOUND')) expectTypeOf(error.details.department).toBeString();
  });

  it('requests are checked at compile time', () => {
    const opd = new OpdScheduler();
    // @ts-expect-error the patient needs a name
    void opd.book({ doctorId: 'd', category: 'ONLINE', patient: {} });
    void opd.book({ doctorId: 'd', category: 'CUSTOM_CHANNEL', patient: { name: 'x', age: 70 }, after: new Date() });
    // @ts-expect-error capacity is a number
    void opd.setCapacity('s', '3');
  });

  it('plug-ins are plain interfaces without any', () => {
    expectTypeOf(presets.standard().priority).toEqualTypeOf<PriorityPolicy>();
    expectTypeOf(presets.standard().capacity).toEqualTypeOf<CapacityStrategy>();
    expectTypeOf(presets.standard().overflow).toEqualTypeOf<OverflowStrategy>();
    expectTypeOf<ReturnType<PriorityPolicy['rank']>>().toBeNumber();
    expectTypeOf<Parameters<StorageAdapter['transact']>>().not.toBeAny();
    expectTypeOf<Token['patient']['name']>().toBeString();
    expectTypeOf<RankContext['dueAt']>().toEqualTypeOf<Date>();
    expectTypeOf<OverflowStrategy['protection']>().toEqualTypeOf<((context: import('opd-scheduler').ProtectionContext) => Protection | null) | undefined>();
    expectTypeOf<OverflowStrategy['victimWithoutRoom']>().toEqualTypeOf<'displace' | 'keep' | undefined>();
  });

  it('quotas and live estimates', () => {
    const quota = new ChannelQuota({ ONLINE: { share: 0.6 }, WALK_IN: { reserve: 2, releaseMinutesBefore: 30 }, FOLLOW_UP: { count: 2, perDay: 10 } });
    expectTypeOf(quota).toMatchTypeOf<QuotaStrategy>();
    expectTypeOf<ConstructorParameters<typeof ChannelQuota>[0]>().toEqualTypeOf<ChannelQuotaOptions>();
    expectTypeOf<ReturnType<QuotaStrategy['admits']>>().toEqualTypeOf<boolean>();
    expectTypeOf<QuotaContext['placesOf']>().toEqualTypeOf<(category: string) => number>();
    expectTypeOf<QuotaContext['slot']>().toEqualTypeOf<Slot>();
    void new OpdScheduler({ quota });
    // @ts-expect-error a share is a number
    void new ChannelQuota({ ONLINE: { share: '60%' } });
    expectTypeOf<Token['estimateStatus']>().toEqualTypeOf<EstimateStatus | null>();
    expectTypeOf<EstimateStatus>().toEqualTypeOf<'ON_TIME' | 'AFTER_SLOT' | 'IN_CONSULTATION' | 'COMPLETED'>();
  });

  it('errors narrow', () => {
    const error: unknown = new OpdError('CONFLICT', 'x');
    if (isOpdError(error)) expectTypeOf(error.code).toEqualTypeOf<import('opd-scheduler').OpdErrorCode>();
  });

  it('isOpdError with a code narrows the code and its details', () => {
    const error: unknown = new OpdError('SLOT_NOT_FOUND', 'x', { details: { field: 'slotId', slotId: 's1' } });
    if (isOpdError(error, 'SLOT_NOT_FOUND')) {
      expectTypeOf(error.code).toEqualTypeOf<'SLOT_NOT_FOUND'>();
      expectTypeOf(error.details.slotId).toEqualTypeOf<string>();
      expectTypeOf(error.details.field).toEqualTypeOf<string>();
    }
    if (isOpdError(error, 'SLOT_FULL')) expectTypeOf(error.details.slotId).toEqualTypeOf<string | null>();
    if (isOpdError(error, 'INVALID_TRANSITION')) expectTypeOf(error.details.action).toEqualTypeOf<string>();
    if (isOpdError(error, 'DUPLICATE_BOOKING')) expectTypeOf(error.details.tokenId).toEqualTypeOf<string>();
    if (isOpdError(error, 'STORAGE_FAILURE')) expectTypeOf(error.details.adapter).toEqualTypeOf<string | undefined>();
    if (isOpdError(error, 'VALIDATION_FAILED')) expectTypeOf(error.details.slotId).toBeUnknown();
  });

  it('every mutation takes an actor, and every event carries one', () => {
    expectTypeOf<ActorOptions['actor']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<OpdEvent['actor']>().toEqualTypeOf<string | null>();
    expectTypeOf<import('opd-scheduler').BookingRequest['actor']>().toEqualTypeOf<string | undefined>();
    const opd = new OpdScheduler();
    expectTypeOf(opd.checkIn).parameter(1).toEqualTypeOf<import('opd-scheduler').CheckInOptions | undefined>();
    expectTypeOf<import('opd-scheduler').CheckInOptions['actor']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<import('opd-scheduler').ForwardOptions['actor']>().toEqualTypeOf<string | undefined>();
    expectTypeOf(opd.markNoShow).parameter(1).toEqualTypeOf<ActorOptions | undefined>();
    expectTypeOf(opd.startConsultation).parameter(1).toEqualTypeOf<ActorOptions | undefined>();
    expectTypeOf(opd.complete).parameter(1).toEqualTypeOf<import('opd-scheduler').CompleteOptions | undefined>();
    expectTypeOf<import('opd-scheduler').CompleteOptions['charged']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf(opd.reopenSlot).parameter(1).toEqualTypeOf<ActorOptions | undefined>();
    expectTypeOf(opd.sweep).parameter(1).toEqualTypeOf<ActorOptions | undefined>();
    expectTypeOf(opd.addSlots).parameter(2).toEqualTypeOf<ActorOptions | undefined>();
    expectTypeOf<import('opd-scheduler').CancelOptions>().toMatchTypeOf<ActorOptions>();
    expectTypeOf<import('opd-scheduler').SetCapacityOptions>().toMatchTypeOf<ActorOptions>();
  });
});
