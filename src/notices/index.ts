/**
 * `opd-scheduler/notices`: calling the patient in their language — the words, not the devices.
 *
 * - {@link announcement} speaks a committed call, recall, forward or doctor's pause as a
 *   sentence and its pieces (with recorded-clip ids); {@link LabelSpeller} spells labels with
 *   leading zeros dropped and prefix letters per language; {@link BuiltInSpeller} (or any
 *   {@link NumberSpeller}) says numbers in words; {@link AnnouncementQueue} plays them one at a
 *   time, recalls repeating the call, with a cool-down per room.
 * - {@link notice} renders an event's SMS or WhatsApp notice from a catalogue
 *   ({@link noticeCatalogue}: English and Hindi) with its encoding and segments;
 *   {@link validateTemplates} checks a catalogue against an operator's limits.
 * - {@link ticketDocument} gives the fields, lines and markup of a token slip, with a QR payload
 *   that carries no patient data; `opd-scheduler/print` prints it.
 *
 * @packageDocumentation
 */
export { BuiltInSpeller, MAX_SPELLED } from './speller.js';
export type { NumberSpeller, SpellContext } from './speller.js';
export { LETTER_NAMES, NOTICE_LANGUAGES } from './languages.js';
export type { NoticeLanguage } from './languages.js';
export { LabelSpeller } from './label.js';
export type { LabelSpellerOptions, SpokenPiece } from './label.js';
export { ANNOUNCED_EVENT_TYPES, announcement, isAnnounced } from './announcement.js';
export type { AnnouncedEvent, Announcement, AnnouncementOptions, AnnouncementUnit, AnnouncementUnitKind, Wording } from './announcement.js';
export { AnnouncementQueue } from './queue.js';
export type { AnnouncementContext, AnnouncementQueueOptions, QueuedAnnouncement } from './queue.js';
export { smsSize, isGsm7 } from './encoding.js';
export type { SmsEncoding, SmsSize } from './encoding.js';
export { DLT_VAR, NOTICE_KINDS, noticeCatalogue, placeholderCount, whatsappBody } from './catalogue.js';
export type { NoticeCatalogue, NoticeCatalogueOptions, NoticeKind, NoticeTemplate, NoticeVarName, TemplateVar } from './catalogue.js';
export { notice, validateTemplates } from './notice.js';
export type { FollowUpDueNotice, Notice, NoticeChannel, NoticeLimits, NoticeOptions, NoticeSource, TemplateProblem, TemplateValidation } from './notice.js';
export { ticketDocument } from './slip.js';
export type { SlipDocument, SlipFields, SlipLine, TicketDocumentOptions } from './slip.js';
