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
export {
  BECKN_SIGNING_SCHEMES,
  becknDigest,
  signBecknRequest,
  verifyBecknRequest,
  type BecknSigningScheme,
  type SignBecknOptions,
  type VerifiedBecknRequest,
  type VerifyBecknOptions,
} from './beckn-signature.js';
export {
  UHI_CANCEL_CODES,
  UHI_CANCEL_REASONS,
  UHI_DOCTOR_NO_SHOW_REASON,
  UHI_OVERRIDE_CODES,
  UHI_STATES,
  uhiChangeOf,
  uhiStateOf,
  type UhiCancelCode,
  type UhiCancelledBy,
  type UhiChange,
  type UhiOverrideCode,
  type UhiState,
} from './states.js';
export { UHI_HOLD_MINUTES, UhiProvider } from './uhi.js';
export type { UhiCheckIn, UhiDoctorProfile, UhiFacility, UhiProviderOptions, UhiPush } from './uhi-options.js';
export {
  UHI_TERM_TYPES,
  type UhiAgent,
  type UhiAuthorization,
  type UhiCaller,
  type UhiCancellation,
  type UhiCatalogProvider,
  type UhiCategory,
  type UhiFulfillment,
  type UhiItem,
  type UhiLocation,
  type UhiOnSearchMessage,
  type UhiOrder,
  type UhiOrderMessage,
  type UhiOrderProvider,
  type UhiPayment,
  type UhiPinStatus,
  type UhiPrice,
  type UhiQuote,
  type UhiTerm,
  type UhiTermText,
  type UhiTermType,
  type UhiTime,
} from './uhi-types.js';
export { onProfileShare, SHARE_VALIDITY_MINUTES, type ProfileShareOptions, type ShareAcknowledgement, type ShareCounter } from './share.js';
