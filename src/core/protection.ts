/**
 * Who the overflow strategy protects (an emergency): the one place the core asks it. The
 * emergency rule (`emergency.ts`), the call order, offers and booking windows read it.
 */
import type { Protection } from '../policies/overflow.js';
import type { TokenRecord } from '../model/records.js';
import { badAnswer, type CoreConfig, pluginAnswer, pluginFailure } from './config.js';

/**
 * How a token is protected: the strategy's {@link Protection}, or `'whenFull'` for a strategy
 * without `protection()` (an `EMERGENCY` may then bump where `whenFull` offers `'bump'`).
 */
export type Guard = Protection | 'whenFull';

/** The protection the overflow strategy gives a token, or `null` for none. */
export function protectionOf(
  ws: { readonly config: Pick<CoreConfig, 'overflow'>; readonly nowDate: Date },
  token: Pick<TokenRecord, 'category' | 'patient'>,
): Guard | null {
  const overflow = ws.config.overflow;
  if (overflow.protection === undefined) return token.category === 'EMERGENCY' ? 'whenFull' : null;
  // Asked for every booking: called directly rather than through a closure for `callPlugin`.
  let protection: Protection | null | undefined;
  let bump: unknown;
  try {
    protection = overflow.protection({ category: token.category, patient: token.patient, now: ws.nowDate });
    if (protection === null || protection === undefined) return null;
    bump = typeof protection === 'object' ? protection.bump : undefined;
  } catch (error) {
    throw pluginFailure('overflow strategy', overflow.name, error);
  }
  if (typeof bump === 'boolean') return protection;
  pluginAnswer('overflow strategy', overflow.name, protection);
  throw badAnswer('overflow strategy', overflow.name, '`null` or a protection `{ bump: true | false }`');
}
