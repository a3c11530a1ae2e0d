/**
 * Every option at once, as a property: see `composition.ts` for what runs and what is checked
 * after every call.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { offersArb, opArb, scenario } from './composition.js';
import { fcOptions, PRESETS, timeoutFor } from './support.js';

const STORES = conformanceStores('opd_t_compose');

describe('every option at once (property)', () => {
  for (const [name, open] of Object.entries(STORES)) {
    const runs = name === 'memory' ? 60 : 10;
    it.skipIf(open === undefined)(
      `two facilities on ${name}: capacity, claims counted once, one place per patient, emergencies before claims, offers ended once, facilities apart, refusals change nothing`,
      { timeout: timeoutFor(runs, name === 'memory' ? 2000 : 12_000) },
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...Object.keys(PRESETS)),
            offersArb,
            fc.array(opArb, { minLength: 20, maxLength: 60 }),
            async (presetName, offers, ops) => {
              const store = await open!();
              try {
                // One store, two facilities: each scheduler is given it and asks for its own view.
                const shared = store.storage();
                await scenario(() => shared, presetName, offers, ops);
              } finally {
                await store.cleanup();
              }
            },
          ),
          fcOptions(runs),
        );
      },
    );
  }
});
