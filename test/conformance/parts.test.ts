// The conformance suite's parts: a part left out, named in `leaveOut` or a capability not
// declared, is listed as skipped in a block that gives the reason, never silently dropped. No
// store is opened here.
import { isOpdError } from 'opd-scheduler';
import { CONFORMANCE_PARTS, type ConformanceOptions, describeStorageConformance } from 'opd-scheduler/testing';
import { describe, expect, it, type RunnerTestSuite } from 'vitest';

const factory = (): Promise<never> => Promise.reject(new Error('never called'));

function fieldOfRefusal(options: ConformanceOptions): unknown {
  try {
    describeStorageConformance('refused', factory, options);
  } catch (error) {
    return isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : error;
  }
  return 'declared';
}

describe('the parts of the conformance suite', () => {
  // Every part but two capabilities left out: nothing of it runs.
  const leaveOut = Object.fromEntries(CONFORMANCE_PARTS.filter((p) => p !== 'tail' && p !== 'shared').map((p) => [p, `no ${p} here`]));
  describeStorageConformance('left out', factory, { leaveOut, capabilities: {} });

  it('declares every part left out in a skipped block, in order, with its reason', ({ task }) => {
    const suite = task.suite!.tasks.find((t) => t.name === 'storage conformance: left out') as RunnerTestSuite;
    const parts = suite.tasks as RunnerTestSuite[];
    expect(parts.map((p) => p.name.split(':')[0])).toEqual(
      CONFORMANCE_PARTS.map((p) =>
        ['multiDoctor', 'patientTokens', 'tail', 'shared', 'subscribe', 'patientData', 'facilities'].includes(p) ? 'capability' : p,
      ),
    );
    for (const [i, part] of parts.entries()) {
      const name = CONFORMANCE_PARTS[i]!;
      const reason = name === 'tail' || name === 'shared' ? `\`capabilities.${name}\` not declared` : `no ${name} here`;
      expect(part.mode, name).toBe('skip');
      expect(part.name.endsWith(`(left out: ${reason})`), part.name).toBe(true);
      // Its tests are still listed, by name.
      expect(part.tasks.length, name).toBeGreaterThan(0);
    }
  });

  it('refuses a reason that is not text, a part it does not know, and a declared capability left out', () => {
    expect(fieldOfRefusal({ leaveOut: { units: '' } })).toBe('leaveOut.units');
    expect(fieldOfRefusal({ leaveOut: { units: 5 as never } })).toBe('leaveOut.units');
    expect(fieldOfRefusal({ leaveOut: { transactSync: 'gone' } as never })).toBe('leaveOut.transactSync');
    expect(fieldOfRefusal({ leaveOut: 'all' as never })).toBe('leaveOut');
    expect(fieldOfRefusal({ capabilities: { tail: true }, leaveOut: { tail: 'after all, no' } })).toBe('leaveOut.tail');
  });
});
