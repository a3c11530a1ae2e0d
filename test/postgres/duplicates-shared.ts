/** What the duplicate-rules race and its workers share. */
import type { DuplicateRulesOptions } from '../../src/index.js';
import { DAY } from './shared.js';

/** One live token per patient per department and day, at most two live tokens ahead. */
export const DUPLICATE_RULES: DuplicateRulesOptions = { scope: 'department-day', maxActivePerPatient: 2 };
/** The days the workers book on: three, so that the cap (two) binds before the days run out. */
export const DUPLICATE_DAYS = [DAY, '2026-01-31', '2026-02-01'] as const;
