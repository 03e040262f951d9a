/**
 * Refusals that are about the sender, not the mailbox: a receiving server that will not take mail
 * from our IP, our domain or our content (reputation, block lists, authentication, policy). The
 * address may be perfectly good, so such a refusal must never mark it failed, and a campus-wide
 * block by one mailbox provider must show as one problem, not as thousands of dead addresses.
 *
 * Providers that say so themselves (SendGrid `blocked`, Postmark `Blocked`/`DMARCPolicy`) report
 * `sender_block` from their own module; this table reads the SMTP reply of every other email
 * failure. Pure: no Strapi, no I/O. The README's "Sender blocks" table lists these rules with sources.
 */
import type { EventKind, NormalizedEvent } from './events';
import { consumerProviderOf, domainOf } from './mailbox-providers';

export interface SenderBlockRule {
  /** A short stable name, kept in the event's reason. */
  id: string;
  /** What the receiving server is saying, in a few words. */
  meaning: string;
  /** Where the rule comes from. */
  source: string;
  matches(code: string | null, text: string): boolean;
}

/** Words receivers use when they refuse for policy or reputation, not for the mailbox. */
const POLICY_WORDS =
  /\b(polic(y|ies)|reputation|spam|unsolicited|block(ed|list)?|black ?list|block ?list|rbl|dnsbl|spamhaus|spamcop|barracuda|sorbs|listed (at|on|in|by)|not accepted|denied|banned|rate limit(ed)?|too many|volume|complaints?|authenticat(e|ed|ion)|dmarc|spf|dkim)\b/i;

/** Block-list texts (Postfix `reject_rbl_client`, Spamhaus, Barracuda, …), whatever the code. */
const BLOCK_LIST_TEXT = /\b(blocked using|spamhaus|spamcop|barracuda ?(central|reputation)?|sorbs|dnsbl|listed (at|on|in|by) \S*(rbl|bl|spamhaus|spamcop)|black ?listed|block ?listed)\b/i;

const codeIs =
  (...codes: string[]) =>
  (code: string | null): boolean =>
    code !== null && codes.includes(code);

export const SENDER_BLOCK_RULES: readonly SenderBlockRule[] = [
  {
    id: 'microsoft-banned-ip',
    meaning: 'Microsoft 365 / Outlook.com: access denied, banned sending IP (5.7.606 to 5.7.649)',
    source: 'https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-550-5-7-606-649-in-exchange-online',
    matches: (code) => code !== null && /^5\.7\.(6[0-4]\d)$/.test(code) && Number(code.split('.')[2]) >= 606,
  },
  {
    id: 'microsoft-ip-not-accepted',
    meaning: 'Microsoft 365: traffic not accepted from this IP (5.7.708), unregistered sending domain (5.7.750)',
    source: 'https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-5-7-700-through-5-7-750',
    matches: codeIs('5.7.708', '5.7.750'),
  },
  {
    id: 'authentication',
    meaning: 'Sender authentication failed: DMARC (5.7.26), SPF (5.7.27), reverse DNS (5.7.25), DKIM (5.7.30)',
    source: 'https://support.google.com/a/answer/3726730 (Gmail SMTP errors); RFC 7372 §3',
    matches: codeIs('5.7.25', '5.7.26', '5.7.27', '5.7.30', '4.7.25', '4.7.26', '4.7.27', '4.7.30'),
  },
  {
    id: 'gmail-rate-or-spam',
    meaning: 'Gmail: unusual rate of unsolicited mail from the sender (4.7.28 / 5.7.28)',
    source: 'https://support.google.com/a/answer/3726730',
    matches: codeIs('4.7.28', '5.7.28'),
  },
  {
    id: 'policy-refusal',
    meaning: 'A security or policy refusal (x.7.x, RFC 3463) whose text names policy, reputation, spam or a block list',
    source: 'https://www.rfc-editor.org/rfc/rfc3463#section-3.8',
    matches: (code, text) => code !== null && /^[45]\.7\.\d{1,3}$/.test(code) && POLICY_WORDS.test(text),
  },
  {
    id: 'block-list',
    meaning: 'The sending IP is on a block list ("blocked using zen.spamhaus.org", Barracuda, SpamCop, …)',
    source: 'http://www.postfix.org/postconf.5.html#reject_rbl_client; https://www.spamhaus.org/faqs/',
    matches: (_code, text) => BLOCK_LIST_TEXT.test(text),
  },
];

/** Event kinds a receiver's refusal can arrive as; only these are read again. */
const REFUSAL_KINDS: readonly EventKind[] = ['hard_bounce', 'soft_bounce', 'failed'];

const ENHANCED = /(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/;

/** The enhanced status code of an event: its own `rawCode` if it holds one, else the first in its text. */
function enhancedCode(event: NormalizedEvent): string | null {
  return ENHANCED.exec(event.rawCode ?? '')?.[1] ?? ENHANCED.exec(event.rawText ?? '')?.[1] ?? null;
}

/** The rule an email refusal matches, or null when it is (as far as its reply says) about the mailbox. */
export function senderBlockRule(event: NormalizedEvent): SenderBlockRule | null {
  if (event.channel !== 'email' || !REFUSAL_KINDS.includes(event.kind)) return null;
  const code = enhancedCode(event);
  const text = [event.rawCode, event.rawText].filter(Boolean).join(' ');
  return SENDER_BLOCK_RULES.find((rule) => rule.matches(code, text)) ?? null;
}

/**
 * The event as the rules should read it: an email refusal that is about the sender becomes a
 * `sender_block` (the provider's own words are kept in `rawType`, `rawCode` and `rawText`).
 */
export function withSenderBlocks(event: NormalizedEvent): NormalizedEvent {
  return senderBlockRule(event) ? { ...event, kind: 'sender_block', severity: 'transient' } : event;
}

/** The mailbox provider of an email address (a known consumer provider, else the address's domain). */
export function mailboxProviderOf(address: string): string {
  const domain = domainOf(address);
  return consumerProviderOf(domain)?.name ?? domain;
}
