/**
 * What a student's text message asks for: STOP (opt out), START (opt back in), HELP, or nothing.
 * As the carriers and Twilio read it, the keyword must be the whole message, once case,
 * surrounding spaces and punctuation are set aside: "Stop." and " STOP!!" stop; "stop texting me
 * about the trip" does not (it is read by a person, not a rule). Pure: no Strapi, no I/O.
 */

export const SMS_INTENTS = ['opt_out', 'opt_in', 'help'] as const;
export type SmsIntent = (typeof SMS_INTENTS)[number];

/**
 * The standard words: Twilio's default opt-out, opt-in and help keywords (the CTIA list, with
 * REVOKE and OPTOUT added in 2023). No maintained list of misspellings exists; a site adds its own
 * (`inboundSms.optOutWords: ['STPO', 'ARRET']`), which are read the same way.
 */
export const DEFAULT_SMS_KEYWORDS: Record<SmsIntent, readonly string[]> = {
  opt_out: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  opt_in: ['START', 'YES', 'UNSTOP'],
  help: ['HELP', 'INFO'],
};

/**
 * The message as a keyword: upper case, letters and digits only. Accents are folded ("arrêt" is
 * ARRET: many phones type without them) and spaces and punctuation go.
 */
export function keywordOf(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Words as a lookup from keyword to intent; the site's words come after the defaults and may not take one over. */
export function keywordTable(extra: Partial<Record<SmsIntent, readonly string[]>> = {}): Map<string, SmsIntent> {
  const table = new Map<string, SmsIntent>();
  for (const intent of SMS_INTENTS) {
    for (const word of [...DEFAULT_SMS_KEYWORDS[intent], ...(extra[intent] ?? [])]) {
      const keyword = keywordOf(word);
      if (keyword && !table.has(keyword)) table.set(keyword, intent);
    }
  }
  return table;
}

/** What the message asks for, or null when it is not one of the keywords on its own. */
export function intentOf(text: string, table: ReadonlyMap<string, SmsIntent>): SmsIntent | null {
  // A keyword is short: a long message is never one, and is not normalized in full.
  if (text.length > 64) return null;
  return table.get(keywordOf(text)) ?? null;
}
