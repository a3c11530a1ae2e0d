/**
 * The announcements of 100 labels, spoken by Debian's espeak-ng (`espeak-ng -q -x`, phonemes
 * only): no zero word for a label without a real zero (the number 0), which espeak says for
 * "टोकन 007" written as digits; and the Hindi sentence stays in the Hindi voice (espeak marks a
 * switch of voice with `(en)`, as it does for the "W" of "W-12" written in Latin letters).
 * Skipped with a message without espeak-ng, except under CI=true, where it fails: .ci/run
 * installs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TokenCalledEvent } from 'opd-scheduler/events';
import { announcement, NOTICE_LANGUAGES } from 'opd-scheduler/notices';
import { describe, expect, it } from 'vitest';
import { LABELS } from './labels.js';

const ESPEAK = '/usr/bin/espeak-ng';
const present = existsSync(ESPEAK);
if (!present && process.env['CI'] !== 'true')
  console.warn(`[espeak] ${ESPEAK} is missing: phoneme checks skipped (apt-get install espeak-ng; in CI they fail instead).`);

/** The zero words in espeak's phonemes: English "zero", Hindi "शून्य". */
const ZERO_PHONEMES = { en: /z'?i@r'?oU/, hi: /S'?u:nj@/ } as const;

const phonemes = (language: 'en' | 'hi', text: string): string => execFileSync(ESPEAK, ['-q', '-x', '-v', language, text], { encoding: 'utf8' });

const call = (label: string): TokenCalledEvent => ({
  type: 'token:called',
  seq: 1,
  at: new Date('2026-01-30T09:00:00Z'),
  facilityId: 'default',
  doctorId: 'd1',
  actor: null,
  tokenId: 't1',
  tokenNumber: 1,
  label,
  day: '2026-01-30',
  slotId: 's1',
  room: '4',
  recall: false,
});

describe.skipIf(!present && process.env['CI'] !== 'true')('espeak-ng speaks the announcements', () => {
  it('the check itself: espeak reads digits with zeros, and a Latin letter in the English voice', () => {
    expect(phonemes('hi', 'टोकन 007')).toMatch(ZERO_PHONEMES.hi);
    expect(phonemes('hi', 'टोकन W-12')).toContain('(en)');
    expect(phonemes('en', 'token 007')).toMatch(ZERO_PHONEMES.en);
  });

  it('says no zero word for 100 labels in English and Hindi, and the Hindi stays in the Hindi voice', () => {
    for (const language of NOTICE_LANGUAGES) {
      // One espeak run per language: one sentence a line, one line of phonemes each.
      const texts = LABELS.map((label) => announcement(call(label), { language }).text);
      const spoken = execFileSync(ESPEAK, ['-q', '-x', '-v', language], { input: texts.join('\n\n'), encoding: 'utf8' });
      expect(spoken, language).not.toMatch(ZERO_PHONEMES[language]);
      if (language === 'hi') expect(spoken).not.toMatch(/\((en|en-us)\)/);
      for (const [i, label] of LABELS.entries()) {
        if (i % 10 !== 0) continue;
        // A label spot-checked alone, so that a failure names it.
        const alone = phonemes(language, texts[i]!);
        expect(alone, `${label} in ${language}`).not.toMatch(ZERO_PHONEMES[language]);
        if (language === 'hi') expect(alone, label).not.toContain('(en)');
      }
    }
  });
});
