/**
 * The public surface, entry point by entry point, as the compiler sees it: each name (value or
 * type) is exported by one entry point only, so that a consumer never has two imports to choose
 * from; the contract integrators and adapter authors share is the main entry's.
 */
import { describe, expect, it } from 'vitest';
import { publicSurface } from '../../scripts/public-surface.js';

/**
 * The most names the main entry may export. The entry is what an integrator uses: the scheduler,
 * its options, inputs, results, events and errors, the strategies and their contexts, storage,
 * FHIR, explanations and patient data. A name only an adapter author needs belongs to
 * `opd-scheduler/adapter-kit`, one only the lab uses to `opd-scheduler/lab`, and a helper type no
 * public signature names is not exported. Raising the ceiling is a decision about the surface;
 * `npm run surface -- --names` lists the names. (203 names; 246 before the helper types of
 * error details, telemetry shapes, FHIR data types and strategy answers left it; 208 with the
 * facility default and a capacity strategy's account of a slot, `SlotElastic`, `ElasticNote`,
 * `ElasticBasisValue`; 164 once the payload of each event by name, 44 names, moved to
 * `opd-scheduler/events`, beside the union `OpdEvent` and `OpdEventMap` that a listener uses;
 * 166 with `availability`'s query and answer, `AvailabilityQuery` and `SlotAvailability`;
 * 167 with `PauseOptions`, the argument of `pauseDoctor`, a method of the scheduler itself; 180
 * with journeys: the options `ServicePoint` and `Routes`, the arguments of `checkIn`, `forward`
 * and `callNext` (`CheckInOptions`, `ForwardOptions`, `CallTarget`), the token's `TokenJourney`,
 * the re-entry policy (`ReentryPolicy`, `ReentryContext`, `WaitingPatient`, `ReturnAhead`,
 * `ReturnAheadOptions`) and the fairness report's `StageWaits` and `WaitSummary`; 198 with coming
 * back (DESIGN §12): the arguments and answers of `bookFollowUp`, `dueFollowUps`, `cancelFollowUp`,
 * `bookSeries`, `cancelSeries`, `entitlementOf` and `complete` (`CompleteOptions`), the option
 * `FollowUpsOptions`, and the shapes they name (`FollowUp`, `FollowUpStatus`, `SeriesMode`,
 * `SeriesOccurrence`, `SeriesOccurrenceStatus`, `EntitlementView`).)
 */
const MAIN_ENTRY_CEILING = 198;

describe('entry points', () => {
  const names = new Map([...publicSurface()].map(([subpath, exported]) => [subpath, exported.map((name) => name.name)]));

  it('export each name from one entry point only', () => {
    const where = new Map<string, string[]>();
    for (const [subpath, exported] of names) for (const name of exported) where.set(name, [...(where.get(name) ?? []), subpath]);
    const twice = [...where].filter(([, subpaths]) => subpaths.length > 1).map(([name, subpaths]) => `${name} (${subpaths.join(', ')})`);
    expect(twice).toEqual([]);
  });

  it(`keep the main entry at most ${MAIN_ENTRY_CEILING} names`, () => {
    const main = names.get('.') ?? [];
    console.info(`main entry: ${main.length} names (ceiling ${MAIN_ENTRY_CEILING})`);
    expect(main.length).toBeGreaterThan(0);
    expect(main.length).toBeLessThanOrEqual(MAIN_ENTRY_CEILING);
  });

  it('keep the shared contract in the main entry, and what only an adapter needs in the kit', () => {
    expect(names.get('.')).toEqual(
      expect.arrayContaining(['OpdScheduler', 'StorageAdapter', 'MemoryStorage', 'OpdError', 'Token', 'presets', 'toFhirAppointmentStatus']),
    );
    expect(names.get('./adapter-kit')).toEqual(
      expect.arrayContaining(['ChangeSet', 'DaySnapshot', 'DoctorSnapshot', 'TokenRecord', 'PLACE_STATUSES', 'checkChangeSet']),
    );
    expect(names.get('.')).toEqual(expect.arrayContaining(['OpdEvent', 'OpdEventMap', 'OpdEventType', 'OPD_EVENT_TYPES']));
    expect(names.get('./events')).toEqual(expect.arrayContaining(['TokenBookedEvent', 'TokenBumpedEvent', 'SlotClosedEvent', 'PatientErasedEvent']));
    // Calling the patient: the words in opd-scheduler/notices, the printer in opd-scheduler/print (its peers optional).
    expect(names.get('./notices')).toEqual(
      expect.arrayContaining(['announcement', 'AnnouncementQueue', 'notice', 'validateTemplates', 'ticketDocument', 'LabelSpeller', 'NumberSpeller']),
    );
    expect(names.get('./print')).toEqual(expect.arrayContaining(['renderEscPos', 'renderSlipImage', 'PRINT_DOTS']));
    expect(names.get('./reports')).toEqual(
      expect.arrayContaining(['opdReport', 'hmisReturn', 'toDhis2DataValueSet', 'toMeasureReport', 'OpdReport', 'HmisRow']),
    );
  });
});
