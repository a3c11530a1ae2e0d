/**
 * India's national rails (`opd-scheduler/abdm`): ABDM Scan & Share tokens, a UHI provider for
 * physical consultations, and the Beckn signatures of UHI messages — each booking on the
 * scheduler's own rules, so the channel obeys the same quotas, emergency guarantee and bump
 * rules as the counter. Handlers take parsed JSON and return JSON; the transport stays the
 * application's.
 *
 * @module
 */
export type { BecknContext, BecknMessage } from './beckn.js';
export { becknDigest, signBecknRequest, verifyBecknRequest, type SignBecknOptions, type VerifiedBecknRequest, type VerifyBecknOptions } from './beckn-signature.js';
export { UHI_CANCEL_CODES, UHI_OVERRIDE_CODES, UHI_STATES, uhiChangeOf, uhiStateOf, type UhiCancelCode, type UhiChange, type UhiOverrideCode, type UhiState } from './states.js';
export { UHI_HOLD_MINUTES, UhiProvider, type UhiAuthorization, type UhiCheckIn, type UhiFulfillment, type UhiItem, type UhiOnSearchMessage, type UhiOrder, type UhiOrderMessage, type UhiProviderOptions, type UhiPush, type UhiTime } from './uhi.js';
export { onProfileShare, SHARE_VALIDITY_MINUTES, type ProfileShareOptions, type ShareAcknowledgement, type ShareCounter } from './share.js';
