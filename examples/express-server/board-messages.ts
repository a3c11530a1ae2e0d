/**
 * Every text of the waiting-room screens (the display board and the waiting hall), in one table
 * keyed by language. To add a language, add an entry: `?lang=<key>` then selects it, and the
 * server's `--board-language` can make it the default. `{name}` marks a value filled in on
 * the screen.
 */

/** The texts of one language. */
export interface BoardMessages {
  /** Name of the language, in itself. */
  readonly name: string;
  /** BCP 47 tag for the page, dates and times (`en-IN`). */
  readonly locale: string;
  /** BCP 47 tag of the spoken calls; a voice of this language is chosen when the screen has one. */
  readonly speechLang: string;
  readonly opd: string;
  readonly boardTitle: string;
  readonly hallTitle: string;
  /** Title of the screen of every service point. */
  readonly pointsTitle: string;
  /** Heading of the service-point column. */
  readonly servicePoint: string;
  readonly nowServing: string;
  readonly next: string;
  readonly doctor: string;
  readonly roomHeading: string;
  /** `{room}` */
  readonly room: string;
  readonly waitToBeCalled: string;
  /** `{room}` */
  readonly goToRoom: string;
  readonly goIn: string;
  readonly noOneWaiting: string;
  readonly waiting: string;
  readonly waitlisted: string;
  readonly checkedIn: string;
  /** `{time}` */
  readonly about: string;
  readonly connecting: string;
  readonly live: string;
  readonly reconnecting: string;
  /** `{time}` */
  readonly updated: string;
  /** What is spoken and shown when a token is called: `{token}`, `{room}`. */
  readonly call: string;
  /** The same, when the doctor has no room number: `{token}`. */
  readonly callNoRoom: string;
}

export const BOARD_MESSAGES = {
  en: {
    name: 'English',
    locale: 'en-IN',
    speechLang: 'en-IN',
    opd: 'OPD',
    boardTitle: 'Tokens',
    hallTitle: 'OPD waiting hall',
    pointsTitle: 'OPD service points',
    servicePoint: 'Service point',
    nowServing: 'Now serving',
    next: 'Next',
    doctor: 'Doctor',
    roomHeading: 'Room',
    room: 'Room {room}',
    waitToBeCalled: 'Please wait to be called',
    goToRoom: 'Please go to room {room}',
    goIn: 'Please go to the consultation room',
    noOneWaiting: 'No one is waiting',
    waiting: 'waiting',
    waitlisted: 'on the waitlist',
    checkedIn: '✓ checked in',
    about: 'about {time}',
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    updated: 'updated {time}',
    call: 'Token number {token}, please go to room {room}',
    callNoRoom: 'Token number {token}, please go in',
  },
  hi: {
    name: 'हिन्दी',
    locale: 'hi-IN',
    speechLang: 'hi-IN',
    opd: 'ओपीडी',
    boardTitle: 'टोकन',
    hallTitle: 'ओपीडी प्रतीक्षा कक्ष',
    pointsTitle: 'ओपीडी सेवा केंद्र',
    servicePoint: 'सेवा केंद्र',
    nowServing: 'वर्तमान टोकन',
    next: 'अगले टोकन',
    doctor: 'डॉक्टर',
    roomHeading: 'कमरा',
    room: 'कमरा {room}',
    waitToBeCalled: 'कृपया अपनी बारी की प्रतीक्षा करें',
    goToRoom: 'कृपया कमरा नंबर {room} में जाएँ',
    goIn: 'कृपया परामर्श कक्ष में जाएँ',
    noOneWaiting: 'कोई प्रतीक्षा में नहीं है',
    waiting: 'प्रतीक्षा में',
    waitlisted: 'प्रतीक्षा सूची में',
    checkedIn: '✓ उपस्थित',
    about: 'लगभग {time}',
    connecting: 'जुड़ रहा है…',
    live: 'लाइव',
    reconnecting: 'फिर से जुड़ रहा है…',
    updated: 'अद्यतन {time}',
    call: 'टोकन नंबर {token}, कृपया कमरा नंबर {room} में जाएँ',
    callNoRoom: 'टोकन नंबर {token}, कृपया अंदर जाएँ',
  },
} as const satisfies Record<string, BoardMessages>;

/** A language of the screens. */
export type BoardLanguage = keyof typeof BOARD_MESSAGES;

/** Every language of the screens, in table order. */
export const BOARD_LANGUAGES = Object.keys(BOARD_MESSAGES) as [BoardLanguage, ...BoardLanguage[]];

/**
 * The names of the usual kinds of service points, by language; a kind not named here is shown as
 * configured. Each language names the same kinds.
 */
export const SERVICE_POINT_KINDS = {
  en: {
    registration: 'Registration',
    vitals: 'Vitals',
    lab: 'Laboratory',
    xray: 'X-ray',
    'x-ray': 'X-ray',
    radiology: 'Radiology',
    pharmacy: 'Pharmacy',
    billing: 'Billing',
    doctor: 'Doctor',
  },
  hi: {
    registration: 'पंजीकरण',
    vitals: 'वाइटल्स जाँच',
    lab: 'प्रयोगशाला',
    xray: 'एक्स-रे',
    'x-ray': 'एक्स-रे',
    radiology: 'रेडियोलॉजी',
    pharmacy: 'दवा वितरण',
    billing: 'बिलिंग',
    doctor: 'डॉक्टर',
  },
} as const satisfies Record<BoardLanguage, Readonly<Record<string, string>>>;

/** A kind of service point as a screen in `lang` names it: its name when known, else the kind as configured. */
export function kindName(kind: string, lang: BoardLanguage): string {
  const names: Readonly<Record<string, string>> = SERVICE_POINT_KINDS[lang];
  return Object.hasOwn(names, kind) ? names[kind]! : kind;
}
