/** What the free-revisit race and its workers share. */
import type { FollowUpsOptions } from '../../src/index.js';

/** Two free revisits within three days, with any doctor of the department. */
export const FREE_REVISITS: FollowUpsOptions = { freeWithinDays: 3, freeVisits: 2, scope: 'department' };
/** The days the workers book on: the three after the charged visit. */
export const REVISIT_DAYS = ['2026-01-31', '2026-02-01', '2026-02-02'] as const;
