/** Events of each notice kind, built as the scheduler emits them, for the notice tests. */
import type { NoticeKind, NoticeSource } from 'opd-scheduler/notices';

const base = (label: string) => ({
  seq: 1,
  at: new Date('2026-01-30T08:00:00Z'),
  facilityId: 'default',
  doctorId: 'd1',
  actor: null,
  tokenId: 't1',
  tokenNumber: 1,
  label,
  day: '2026-01-30',
});

/** An event (or follow-up) whose notice is of the kind. */
export function sourceOf(kind: NoticeKind, label: string, room = '4'): NoticeSource {
  switch (kind) {
    case 'booked':
      return {
        ...base(label),
        type: 'token:booked',
        slotId: 's1',
        category: 'WALK_IN',
        rank: 5,
        overflow: false,
        rule: 'free-place',
        fullSlotId: null,
      } as unknown as NoticeSource;
    case 'turn-near':
      return { ...base(label), type: 'token:turn-near', slotId: 's1', position: 2, estimatedStart: new Date('2026-01-30T09:40:00Z') };
    case 'called':
      return { ...base(label), type: 'token:called', slotId: 's1', room, recall: false };
    case 'bumped':
      return { ...base(label), type: 'token:cascaded', slotId: 's2', fromSlotId: 's1', toSlotId: 's2', reason: 'bumped' } as unknown as NoticeSource;
    case 'offered':
      return { ...base(label), type: 'token:offered', slotId: 's0', offerId: 'o1', expiresAt: new Date('2026-01-30T08:15:00Z'), round: 1 };
    case 'cancelled':
      return { ...base(label), type: 'token:cancelled', slotId: 's1', reason: 'doctor on leave' } as unknown as NoticeSource;
    case 'follow-up-due':
      return { type: 'followup:due', doctorId: 'd1', due: '2026-02-13' };
  }
}
