/** Spoken announcements of the hall: the words of a call, a recall, a forward and a doctor's pause. */
import type { OpdEvent } from '../events.js';
import type { TokenCalledEvent } from '../events/days.js';
import type { TokenForwardedEvent } from '../events/journeys.js';
import type { DoctorPausedEvent } from '../events/pauses.js';
import { invalid } from '../errors.js';
import { expectLanguage, type NoticeLanguage } from './languages.js';
import { LabelSpeller, type SpokenPiece } from './label.js';

/** The events a hall announces: a call or recall, a forward to a service point, a doctor's pause. */
export const ANNOUNCED_EVENT_TYPES = ['token:called', 'token:forwarded', 'doctor:paused'] as const;

/** An event a hall announces. */
export type AnnouncedEvent = TokenCalledEvent | TokenForwardedEvent | DoctorPausedEvent;

/** What a piece of an announcement is: fixed wording, the token label, the room, the doctor, or (with `names: true`) the patient's name. */
export type AnnouncementUnitKind = 'phrase' | 'label' | 'room' | 'doctor' | 'name';

/** One piece of an announcement: what is said, and the recorded clip a hall may play instead. */
export interface AnnouncementUnit extends SpokenPiece {
  /** What the piece is. */
  readonly kind: AnnouncementUnitKind;
}

/** An announcement: the whole text (for the screen and speech synthesis) and its pieces (for recorded clips). */
export interface Announcement {
  /** The language it is in. */
  readonly language: NoticeLanguage;
  /** The whole sentence. */
  readonly text: string;
  /** The pieces, in the order spoken. */
  readonly units: readonly AnnouncementUnit[];
}

/** Words in each language, by name. */
export type Wording = Readonly<Partial<Record<NoticeLanguage, string>>>;

/** Options of {@link announcement}. */
export interface AnnouncementOptions {
  /** The language to speak. */
  readonly language: NoticeLanguage;
  /**
   * Whether the patient's name is spoken (`patientName`). Names are patient data: off unless the
   * hospital turns it on.
   *
   * @defaultValue `false`
   */
  readonly names?: boolean | undefined;
  /** The patient's name, spoken only with `names: true`. */
  readonly patientName?: string | undefined;
  /** The doctor's name as it is spoken (events carry the doctor's id only). */
  readonly doctorName?: string | undefined;
  /** How rooms are spoken, by the room name events carry: `{ 'Cardiology': { hi: 'कार्डियोलॉजी' } }`. A room that reads as a label ("4", "R-12") is spelled. */
  readonly rooms?: Readonly<Record<string, Wording>> | undefined;
  /** How service points are spoken, by id (or by kind, such as `'lab'`), over the built-in kinds. */
  readonly servicePoints?: Readonly<Record<string, Wording>> | undefined;
  /**
   * The label speller (prefix letters and the number speller).
   *
   * @defaultValue `new LabelSpeller()`
   */
  readonly labels?: LabelSpeller | undefined;
}

const PHRASES = {
  token: { en: 'Token number', hi: 'टोकन नंबर' },
  again: { en: 'Calling again', hi: 'दोबारा बुलावा' },
  please: { en: 'please go to', hi: 'कृपया' },
  goTo: { en: '', hi: 'में जाएँ' },
  room: { en: 'room', hi: 'कमरा नंबर' },
  comeIn: { en: 'please come in', hi: 'कृपया अंदर आइए' },
  doctor: { en: 'The doctor', hi: 'डॉक्टर' },
  paused: { en: 'is on a break for', hi: '' },
  minutes: { en: 'minutes', hi: 'मिनट के लिए विराम पर हैं' },
  name: { en: '', hi: '' },
} as const satisfies Record<string, Record<NoticeLanguage, string>>;

type PhraseKey = keyof typeof PHRASES;

const SERVICE_POINT_KINDS: Readonly<Record<string, Record<NoticeLanguage, string>>> = {
  lab: { en: 'the laboratory', hi: 'लैब' },
  pharmacy: { en: 'the pharmacy', hi: 'दवा खिड़की' },
  billing: { en: 'the billing counter', hi: 'बिलिंग काउंटर' },
  radiology: { en: 'radiology', hi: 'रेडियोलॉजी' },
  doctor: { en: 'the doctor', hi: 'डॉक्टर के पास' },
};

const END: Record<NoticeLanguage, string> = { en: '.', hi: '।' };

/**
 * The announcement of a committed event: a call (`token:called`), a recall (the same units after
 * "calling again"), a forward to a service point (`token:forwarded`) or a doctor's pause
 * (`doctor:paused`). The label is spelled as the language speaks it (leading zeros dropped,
 * prefix letters by their names in the language); no patient data unless `names: true`.
 *
 * @param event - the event, as emitted or read from `history()`
 * @param options - the language and how names, rooms and labels are spoken
 * @returns the sentence and its pieces
 * @throws OpdError `VALIDATION_FAILED` for another event, a forward back to the doctor,
 *   or a bad option
 *
 * @example
 * ```ts
 * import { announcement } from 'opd-scheduler/notices';
 * import type { TokenCalledEvent } from 'opd-scheduler/events';
 *
 * declare const called: TokenCalledEvent; // label 'W-012', room '4'
 * announcement(called, { language: 'hi' }).text; // 'टोकन नंबर डब्ल्यू बारह कृपया कमरा नंबर चार में जाएँ।'
 * ```
 */
export function announcement(event: OpdEvent, options: AnnouncementOptions): Announcement {
  const language = expectLanguage('language', (options as { language?: unknown } | undefined)?.language);
  const say = new Say(language, options);
  switch (event.type) {
    case 'token:called':
      if (event.recall) say.phrase('again');
      say.token(event.label);
      if (event.room !== null) say.goTo(() => say.room(event.room ?? ''));
      else if (options.doctorName !== undefined) say.goTo(() => say.unit('doctor', options.doctorName ?? '', `doctor/${event.doctorId}`));
      else say.phrase('comeIn');
      break;
    case 'token:forwarded': {
      const point = event.to.servicePointId;
      if (point === null) throw invalid('event.to', 'A forward back to the doctor is not announced: the doctor calls the patient');
      say.token(event.label);
      say.goTo(() => say.unit('room', say.servicePoint(point, event.to.kind), `${language}/service-point/${point}`));
      break;
    }
    case 'doctor:paused':
      say.unit('doctor', options.doctorName ?? PHRASES.doctor[language], `doctor/${event.doctorId}`);
      say.phrase('paused');
      say.number(event.minutes);
      say.phrase('minutes');
      break;
    default:
      throw invalid('event.type', `Expected an announced event (${ANNOUNCED_EVENT_TYPES.join(', ')}), got \`${event.type}\``);
  }
  return say.done();
}

/** The sentence of an announcement's units: the words in order, then the language's full stop. */
export function sentenceOf(units: readonly AnnouncementUnit[], language: NoticeLanguage): string {
  return `${units.map((unit) => unit.text).join(' ')}${END[language]}`;
}

/** Whether an event is announced by a hall ({@link announcement} speaks it). */
export function isAnnounced(event: OpdEvent): event is AnnouncedEvent {
  return event.type === 'doctor:paused' || event.type === 'token:called' || (event.type === 'token:forwarded' && event.to.servicePointId !== null);
}

class Say {
  readonly units: AnnouncementUnit[] = [];
  readonly labels: LabelSpeller;

  constructor(
    readonly language: NoticeLanguage,
    readonly options: AnnouncementOptions,
  ) {
    this.labels = options.labels ?? new LabelSpeller();
  }

  unit(kind: AnnouncementUnitKind, text: string, clipId: string): void {
    if (text !== '') this.units.push({ kind, text, clipId });
  }

  phrase(key: PhraseKey): void {
    this.unit('phrase', PHRASES[key][this.language], `${this.language}/phrase/${key}`);
  }

  number(value: number): void {
    this.units.push({ kind: 'phrase', ...this.labels.number(value, this.language) });
  }

  token(label: string): void {
    this.phrase('token');
    for (const piece of this.labels.spell(label, this.language)) this.units.push({ kind: 'label', ...piece });
    if (this.options.names === true && this.options.patientName !== undefined && this.options.patientName.trim() !== '') {
      this.unit('name', this.options.patientName.trim(), `${this.language}/name`);
    }
  }

  goTo(where: () => void): void {
    this.phrase('please');
    where();
    this.phrase('goTo');
  }

  room(room: string): void {
    const own = this.options.rooms?.[room]?.[this.language];
    if (own !== undefined) return this.unit('room', own, `${this.language}/room/${room}`);
    const bare = room.replace(/^\s*room\s*/i, '');
    if (LabelSpeller.isLabel(bare)) {
      this.unit('room', PHRASES.room[this.language], `${this.language}/phrase/room`);
      for (const piece of this.labels.spell(bare, this.language)) this.units.push({ kind: 'room', ...piece });
      return;
    }
    this.unit('room', room, `${this.language}/room/${room}`);
  }

  servicePoint(id: string, kind: string): string {
    const points = this.options.servicePoints;
    return points?.[id]?.[this.language] ?? points?.[kind]?.[this.language] ?? SERVICE_POINT_KINDS[kind]?.[this.language] ?? kind;
  }

  done(): Announcement {
    const units = Object.freeze(this.units.map((unit) => Object.freeze(unit)));
    return Object.freeze({ language: this.language, text: sentenceOf(units, this.language), units });
  }
}
