/**
 * The `cancelReason`s of tokens that end because the scheduler replaced or closed them (the
 * lifecycle and the rules that follow a token's end read them).
 */

/**
 * The `cancelReason` of a token a move replaced by a token of another doctor-day (`move`, and
 * `closeSlots` moving a patient to a later day or a colleague): the patient's place is the new token.
 */
export const MOVED = 'moved';
/** The `cancelReason` of a token its day's closing ended (`token:expired`, reason `day-closed`). */
export const DAY_CLOSED = 'day-closed';
/** The `cancelReason` of a token its day's closing carried to a later day (`token:carried`): the patient's place is the new token. */
export const CARRIED = 'carried';
