/**
 * The sentences of `explainText`: one table, one row per situation, one column per language.
 * Placeholders: `{label}` the token's label, `{time}` the start of its place, `{from}` the start
 * of the place it left, `{full}` the start of the slot that was full, `{room}` the room it was
 * called to. Times are local (`HH:MM`, 24 hours). No row names anything of the patient but the
 * label.
 */
import type { ExplainComesBack, Explanation, ExplainLang, ExplainStep } from './types.js';

/** Every situation a sentence is written for. */
export type Situation =
  | 'free-place'
  | 'elastic-place'
  | 'bump'
  | 'next-slot'
  | 'next-slot-quota'
  | 'bumped-moved-emergency'
  | 'bumped-moved-priority'
  | 'closed-moved'
  | 'shrunk-moved'
  | 'waitlisted'
  | 'waitlisted-quota'
  | 'bumped-waitlisted-emergency'
  | 'bumped-waitlisted-priority'
  | 'closed-waitlisted'
  | 'promoted'
  | 'moved'
  | 'moved-out'
  | 'held'
  | 'checked-in'
  | 'called'
  | 'called-room'
  | 'forwarded'
  | 'reentered'
  | 'in-consultation'
  | 'completed'
  | 'cancelled'
  | 'no-show'
  | 'dropped'
  | 'hold-ended'
  | 'ask-desk';

/** The table: a sentence per situation and language. */
export const EXPLAIN_MESSAGES: Readonly<Record<Situation, Readonly<Record<ExplainLang, string>>>> = {
  'free-place': {
    en: 'Token {label}: your place is booked at {time}.',
    hi: 'टोकन {label}: आपकी जगह {time} बजे के लिए बुक है।',
  },
  'elastic-place': {
    en: 'Token {label}: you were given an extra place kept for urgent cases, at {time}.',
    hi: 'टोकन {label}: आपको ज़रूरी मामलों के लिए रखी गई अतिरिक्त जगह {time} बजे दी गई है।',
  },
  bump: {
    en: 'Token {label}: as an urgent case you were given the {time} place.',
    hi: 'टोकन {label}: ज़रूरी मामला होने के कारण आपको {time} बजे की जगह दी गई है।',
  },
  'next-slot': {
    en: 'Token {label}: the {full} slot was full, so your place is at {time}.',
    hi: 'टोकन {label}: {full} बजे का स्लॉट भरा हुआ था, इसलिए आपकी जगह {time} बजे है।',
  },
  'next-slot-quota': {
    en: 'Token {label}: the {full} places for your kind of booking were taken, so your place is at {time}.',
    hi: 'टोकन {label}: {full} बजे आपकी श्रेणी की सभी जगहें भर चुकी थीं, इसलिए आपकी जगह {time} बजे है।',
  },
  'bumped-moved-emergency': {
    en: 'You moved to {time} because an emergency needed the {from} place; you keep token {label}.',
    hi: 'आपका समय {time} बजे कर दिया गया है क्योंकि {from} बजे की जगह एक आपातकालीन मरीज़ को चाहिए थी; आपका टोकन {label} वही रहेगा।',
  },
  'bumped-moved-priority': {
    en: 'You moved to {time} because a patient with higher priority needed the {from} place; you keep token {label}.',
    hi: 'आपका समय {time} बजे कर दिया गया है क्योंकि {from} बजे की जगह अधिक प्राथमिकता वाले मरीज़ को चाहिए थी; आपका टोकन {label} वही रहेगा।',
  },
  'closed-moved': {
    en: 'You moved to {time} because the {from} session was closed; you keep token {label}.',
    hi: 'आपका समय {time} बजे कर दिया गया है क्योंकि {from} बजे का सत्र बंद कर दिया गया; आपका टोकन {label} वही रहेगा।',
  },
  'shrunk-moved': {
    en: 'You moved to {time} because the {from} session now has fewer places; you keep token {label}.',
    hi: 'आपका समय {time} बजे कर दिया गया है क्योंकि {from} बजे के सत्र में जगहें कम कर दी गईं; आपका टोकन {label} वही रहेगा।',
  },
  waitlisted: {
    en: 'Token {label}: all places are taken, so you are on the waiting list; you will get the next free place.',
    hi: 'टोकन {label}: सभी जगहें भर चुकी हैं, इसलिए आप प्रतीक्षा सूची में हैं; जगह खाली होते ही आपको मिल जाएगी।',
  },
  'waitlisted-quota': {
    en: 'Token {label}: the places for your kind of booking are taken, so you are on the waiting list; you will get the next free place.',
    hi: 'टोकन {label}: आपकी श्रेणी की सभी जगहें भर चुकी हैं, इसलिए आप प्रतीक्षा सूची में हैं; जगह खाली होते ही आपको मिल जाएगी।',
  },
  'bumped-waitlisted-emergency': {
    en: 'You are on the waiting list because an emergency needed your {from} place; you keep token {label} and will get the next free place.',
    hi: 'आप प्रतीक्षा सूची में हैं क्योंकि {from} बजे की आपकी जगह एक आपातकालीन मरीज़ को चाहिए थी; आपका टोकन {label} वही रहेगा और जगह खाली होते ही आपको मिल जाएगी।',
  },
  'bumped-waitlisted-priority': {
    en: 'You are on the waiting list because a patient with higher priority needed your {from} place; you keep token {label} and will get the next free place.',
    hi: 'आप प्रतीक्षा सूची में हैं क्योंकि {from} बजे की आपकी जगह अधिक प्राथमिकता वाले मरीज़ को चाहिए थी; आपका टोकन {label} वही रहेगा और जगह खाली होते ही आपको मिल जाएगी।',
  },
  'closed-waitlisted': {
    en: 'You are on the waiting list because the {from} session was closed or made smaller; you keep token {label} and will get the next free place.',
    hi: 'आप प्रतीक्षा सूची में हैं क्योंकि {from} बजे का सत्र बंद या छोटा कर दिया गया; आपका टोकन {label} वही रहेगा और जगह खाली होते ही आपको मिल जाएगी।',
  },
  promoted: {
    en: 'Token {label}: a place became free and it is yours, at {time}.',
    hi: 'टोकन {label}: एक जगह खाली हुई और अब वह आपकी है, {time} बजे।',
  },
  moved: {
    en: 'Token {label}: your place was moved to {time}.',
    hi: 'टोकन {label}: आपकी जगह बदलकर {time} बजे कर दी गई है।',
  },
  'moved-out': {
    en: 'Token {label} was replaced by a new token for your new appointment.',
    hi: 'आपकी नई अपॉइंटमेंट के लिए टोकन {label} की जगह नया टोकन दिया गया है।',
  },
  held: {
    en: 'Token {label}: a place at {time} is held for you; please confirm it.',
    hi: 'टोकन {label}: {time} बजे की एक जगह आपके लिए रोकी गई है; कृपया इसकी पुष्टि करें।',
  },
  'checked-in': {
    en: 'Token {label}: you are checked in for {time}; please wait to be called.',
    hi: 'टोकन {label}: {time} बजे के लिए आपकी हाज़िरी दर्ज हो गई है; कृपया अपनी बारी की प्रतीक्षा करें।',
  },
  called: {
    en: 'Token {label}: please go in to the doctor now.',
    hi: 'टोकन {label}: कृपया अभी डॉक्टर के पास जाएँ।',
  },
  'called-room': {
    en: 'Token {label}: please go to {room} now.',
    hi: 'टोकन {label}: कृपया अभी {room} में जाएँ।',
  },
  forwarded: {
    en: 'Token {label}: please go to {room} and wait to be called there.',
    hi: 'टोकन {label}: कृपया {room} पर जाएँ और वहाँ अपनी बारी की प्रतीक्षा करें।',
  },
  reentered: {
    en: 'Token {label}: welcome back; you keep your place with the doctor and will be called soon, ahead of patients who came later.',
    hi: 'टोकन {label}: आपका स्वागत है; डॉक्टर के पास आपकी जगह बनी हुई है और बाद में आए मरीज़ों से पहले आपको जल्द बुलाया जाएगा।',
  },
  'in-consultation': {
    en: 'Token {label}: your consultation is under way.',
    hi: 'टोकन {label}: आपका परामर्श चल रहा है।',
  },
  completed: {
    en: 'Token {label}: your consultation is complete.',
    hi: 'टोकन {label}: आपका परामर्श पूरा हो गया है।',
  },
  cancelled: {
    en: 'Token {label} has been cancelled.',
    hi: 'टोकन {label} रद्द कर दिया गया है।',
  },
  'no-show': {
    en: 'Token {label} was marked absent because you did not arrive in time.',
    hi: 'समय पर न पहुँचने के कारण टोकन {label} को अनुपस्थित दर्ज किया गया है।',
  },
  dropped: {
    en: 'Token {label}: we are sorry, your {from} place was needed and no other place was free that day.',
    hi: 'टोकन {label}: क्षमा करें, {from} बजे की आपकी जगह की ज़रूरत पड़ी और उस दिन कोई दूसरी जगह खाली नहीं थी।',
  },
  'hold-ended': {
    en: 'Token {label}: the place held for you has been let go.',
    hi: 'टोकन {label}: आपके लिए रोकी गई जगह छोड़ दी गई है।',
  },
  'ask-desk': {
    en: 'Token {label}: please ask at the desk.',
    hi: 'टोकन {label}: कृपया काउंटर पर पूछें।',
  },
};

/** The values a sentence fills in. */
export interface SentenceValues {
  readonly label: string;
  readonly time: string | null;
  readonly from: string | null;
  readonly full: string | null;
  readonly room: string | null;
}

/**
 * The rule "which sentence tells a token's situation": from its status now, the step that placed
 * it and the step before that (a bump before a cascade). Returns the situation and the slots
 * whose times it names.
 */
export function situationOf(
  explanation: Explanation,
  placing: ExplainStep | undefined,
): { situation: Situation; from: string | null; full: string | null; room: string | null } {
  const steps = explanation.steps;
  const last = steps[steps.length - 1];
  const none = { from: null, full: null, room: null };
  switch (explanation.status) {
    case 'COMPLETED':
      return { situation: 'completed', ...none };
    case 'IN_CONSULTATION':
      return { situation: 'in-consultation', ...none };
    case 'NO_SHOW':
      return { situation: 'no-show', ...none };
    case 'DROPPED':
      return { situation: 'dropped', ...none, from: last?.fromSlotId ?? null };
    case 'CANCELLED':
      if (last?.rule === 'moved') return { situation: 'moved-out', ...none };
      if (last?.rule === 'released' || last?.rule === 'expired') return { situation: 'hold-ended', ...none };
      return { situation: 'cancelled', ...none };
    case 'HELD':
      return { situation: 'held', ...none };
    case 'CHECKED_IN': {
      const called = [...steps].reverse().find((s) => s.rule === 'called' || s.rule === 'checked-in' || s.rule === 'forwarded' || s.rule === 'reentered');
      if (called?.rule === 'called') return called.room === null ? { situation: 'called', ...none } : { situation: 'called-room', ...none, room: called.room };
      if (called?.rule === 'reentered') return { situation: 'reentered', ...none };
      if (called?.rule === 'forwarded')
        return called.room === null ? { situation: 'checked-in', ...none } : { situation: 'forwarded', ...none, room: called.room };
      return { situation: 'checked-in', ...none };
    }
    default:
  }
  if (placing === undefined) return { situation: 'ask-desk', ...none };
  const before = steps[steps.indexOf(placing) - 1];
  const byEmergency = before?.rule === 'bumped-by' && before.otherCategory === 'EMERGENCY';
  switch (placing.rule) {
    case 'free-place':
    case 'held':
    case 'confirmed':
      return { situation: 'free-place', ...none };
    case 'elastic-place':
      return { situation: 'elastic-place', ...none };
    case 'bump':
      return { situation: 'bump', ...none };
    case 'next-slot':
      return { situation: placing.quota !== null ? 'next-slot-quota' : 'next-slot', ...none, full: placing.fullSlotId };
    case 'promoted':
      return { situation: 'promoted', ...none };
    case 'moved':
      return { situation: 'moved', ...none };
    case 'cascaded': {
      const from = placing.fromSlotId;
      if (placing.reason === 'bumped') return { situation: byEmergency ? 'bumped-moved-emergency' : 'bumped-moved-priority', ...none, from };
      return { situation: placing.reason === 'capacity-lowered' ? 'shrunk-moved' : 'closed-moved', ...none, from };
    }
    case 'waitlisted': {
      const from = placing.fromSlotId;
      if (placing.reason === 'bumped') return { situation: byEmergency ? 'bumped-waitlisted-emergency' : 'bumped-waitlisted-priority', ...none, from };
      if (placing.reason === 'slot-closed' || placing.reason === 'capacity-lowered') return { situation: 'closed-waitlisted', ...none, from };
      return { situation: placing.quota !== null ? 'waitlisted-quota' : 'waitlisted', ...none };
    }
    default:
      return { situation: 'ask-desk', ...none };
  }
}

/**
 * The sentence of a situation in a language, its placeholders filled. A sentence that needs a
 * time the store no longer knows (a slot gone) is replaced by the desk's sentence.
 */
export function sentence(situation: Situation, lang: ExplainLang, values: SentenceValues): string {
  const template = EXPLAIN_MESSAGES[situation][lang];
  const missing = /\{(\w+)\}/g;
  let unknown = false;
  const text = template.replace(missing, (_, key: string) => {
    const value = values[key as keyof SentenceValues];
    if (value === null || value === undefined) unknown = true;
    return value ?? '';
  });
  if (unknown && situation !== 'ask-desk') return sentence('ask-desk', lang, values);
  return text;
}

/**
 * What brought the patient back, each a sentence after the situation's: a follow-up and its window
 * (`{due}`, `{days}` either side), a free revisit (`{visit}` of `{visits}`, valid until `{until}`),
 * an occurrence of a series (`{occurrence}` of `{count}`). Dates are written in words, in the
 * sentence's language.
 */
export const COMES_BACK_MESSAGES: Readonly<Record<'follow-up' | 'follow-up-window' | 'entitlement' | 'series', Readonly<Record<ExplainLang, string>>>> = {
  'follow-up': {
    en: 'This is your follow-up visit, due on {due}.',
    hi: 'यह आपकी फ़ॉलो-अप विज़िट है, जिसकी तय तारीख़ {due} है।',
  },
  'follow-up-window': {
    en: 'This is your follow-up visit, due on {due}, give or take {days}.',
    hi: 'यह आपकी फ़ॉलो-अप विज़िट है, जिसकी तय तारीख़ {due} है ({days} आगे-पीछे)।',
  },
  entitlement: {
    en: 'It is free revisit {visit} of {visits}, valid until {until}.',
    hi: 'यह आपका मुफ़्त दोबारा परामर्श है ({visits} में से {visit}), जो {until} तक मान्य है।',
  },
  series: {
    en: 'It is visit {occurrence} of {count} in your series of visits.',
    hi: 'यह आपकी {count} विज़िटों की शृंखला में से विज़िट संख्या {occurrence} है।',
  },
};

/** Situations after which nothing brings the patient back with this token: no clause is added. */
const ENDED: ReadonlySet<Situation> = new Set(['cancelled', 'no-show', 'dropped', 'moved-out', 'hold-ended', 'ask-desk']);

/** A local date (`YYYY-MM-DD`) in words: `6 December 2026`, `6 दिसंबर 2026`. */
function dateInWords(day: string, lang: ExplainLang): string {
  const format = new Intl.DateTimeFormat(lang === 'hi' ? 'hi-IN' : 'en-IN', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  return format.format(new Date(`${day}T00:00:00Z`));
}

/** Fills a clause's placeholders. */
function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
}

/**
 * The sentences that name what brought the patient back, after the situation's (none for a token
 * that ended unseen, nor for the desk's sentence): the follow-up's window, the free revisit, the
 * occurrence of a series. A free revisit whose size the scheduler no longer knows (no option
 * `followUps`) is left out.
 */
export function comesBackSentences(situation: Situation, comesBack: ExplainComesBack | undefined, lang: ExplainLang): string[] {
  if (comesBack === undefined || ENDED.has(situation)) return [];
  const out: string[] = [];
  const { followUp, entitlement, series } = comesBack;
  if (followUp !== undefined) {
    const days = lang === 'hi' ? `${String(followUp.windowDays)} दिन` : `${String(followUp.windowDays)} ${followUp.windowDays === 1 ? 'day' : 'days'}`;
    out.push(fill(COMES_BACK_MESSAGES[followUp.windowDays === 0 ? 'follow-up' : 'follow-up-window'][lang], { due: dateInWords(followUp.dueDate, lang), days }));
  }
  if (entitlement !== undefined && entitlement.visits !== null && entitlement.until !== null) {
    out.push(
      fill(COMES_BACK_MESSAGES.entitlement[lang], {
        visit: String(entitlement.visit),
        visits: String(entitlement.visits),
        until: dateInWords(entitlement.until, lang),
      }),
    );
  }
  if (series !== undefined && series.count !== null)
    out.push(fill(COMES_BACK_MESSAGES.series[lang], { occurrence: String(series.occurrence), count: String(series.count) }));
  return out;
}
