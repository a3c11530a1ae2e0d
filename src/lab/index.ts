/**
 * `opd-scheduler/lab`: a hospital's own history replayed under other policies, and elastic
 * places calibrated to its no-shows.
 *
 * - {@link replay} re-issues the requests a store recorded into a fresh in-memory scheduler
 *   under other options and compares the figures (waits, emergencies, bumps, cascades, drops,
 *   utilisation, skips) with the recorded ones.
 * - {@link CalibratedElastic} is a capacity strategy that overbooks each slot by the most
 *   places whose chance of more arrivals than places stays within a risk, at the show rates the
 *   history records.
 * - {@link exportHistory}, {@link exportHistoryLines} (the same a line at a time, what
 *   `opd-scheduler export-history` writes), {@link historyToJsonLines} and {@link readHistory}
 *   move a history between a scheduler, a JSON-lines file and the lab.
 *
 * @packageDocumentation
 */
export { exportHistory, exportHistoryLines, historyToJsonLines, readHistory } from './history.js';
export type { DoctorLine, ExportHistoryOptions, HistoryInput, HistoryLine, LabHistory, PatientLine, SlotLine } from './history.js';
export { ALL_PATIENTS, FigureFold, figuresOf, percentile } from './figures.js';
export type { EmergencyFigures, LabFigures, WaitFigures } from './figures.js';
export { replay } from './replay.js';
export { REPLAY_ASSUMPTIONS } from './replay-types.js';
export type { Delta, EmergencyDelta, LabDelta, WaitDelta, ReplayOptions, ReplayRequests, ReplayResult } from './replay-types.js';
export { CalibratedElastic, leadGroupOf, overbookingExtras, overflowChance } from './calibrated.js';
export type { CalibratedElasticOptions, CalibrationKey, LeadGroup, ShowRateEstimate, SlotCalibration } from './calibrated.js';
