/**
 * The plugin's reasons as codes with parameters. The server stores both the codes and the
 * English text they render to (for logs, the API and outbound webhooks); the admin renders the
 * codes again in the editor's language, from its translation files, whose `reason.*` entries
 * must equal the English templates here (admin/src/utils/translations.test.ts checks it).
 *
 * Templates use ICU placeholders (`{name}`), so the admin's react-intl reads them unchanged.
 * Pure: no Strapi, no I/O.
 */

import type { ProviderName } from './events';
import { ADDRESS_STATE_LABELS, type AddressState } from './statuses';

export const REASON_TEMPLATES = {
  // What the provider reported (the first sentence of every decision).
  'event.accepted': '{provider} accepted the message',
  'event.delivered': '{provider} reports the message delivered',
  'event.delivery_delayed': '{provider} is still retrying the message itself ({detail})',
  'event.soft_bounce.email': 'Soft bounce from {provider}: {detail}',
  'event.soft_bounce.sms': 'Temporary SMS failure from {provider}: {detail}',
  'event.hard_bounce.email': 'Hard bounce from {provider}: {detail}',
  'event.hard_bounce.sms': 'Permanent SMS error from {provider}: {detail}',
  'event.dropped': '{provider} dropped the message without sending it ({detail})',
  'event.complaint': 'Spam complaint reported by {provider}',
  'event.unsubscribe': 'Unsubscribe reported by {provider}',
  'event.opt_out': 'The recipient opted out of SMS ({detail})',
  'event.failed.email': "{provider} failed the message for a reason that is not the address's fault: {detail}",
  'event.failed.sms': "{provider} failed the message for a reason that is not the number's fault: {detail}",
  'event.ignored': '{provider} event "{rawType}" has no effect on delivery',
  'event.sender_block': 'The receiving server refused the sender, not the mailbox ({provider}: {detail})',
  'event.reclassified': 'Re-classified from "{from}" to "{to}" by {actor}: {note}',

  // What it did to the message.
  'message.confirmed': 'The provider confirmed it has the message; it will not be sent again.',
  'message.stillHeld': 'Not re-sent: the provider still holds the message.',
  'message.staleAttempt': 'It concerns attempt {attempt}; attempt {current} is already under way.',
  'message.alreadyScheduled': 'A re-send is already scheduled.',
  'message.softBounceAfterFinal': 'The message is already {status}; a soft bounce does not undo that.',
  'message.exhausted': 'Failed: retries exhausted.',
  'message.deferred': 'Deferred: attempt {attempt} scheduled for {at}.',
  'message.noMoveBack': 'The message is already {status}; a later-arriving "{claimed}" does not move it back.',
  'message.status': 'Message {status}.',
  'message.senderBlockNotRetried': 'Failed: blocks about the sender are not retried (senderBlocks.retry is off).',

  // What it did to the address.
  'address.streakCleared': 'Delivered: the soft-bounce streak is cleared.',
  'address.softBouncing': 'The address is soft-bouncing.',
  'address.scoreReached': 'Failed after repeated soft bounces: bounce score {score} reached the threshold of {threshold}.',
  'address.streakReached': 'Failed after {count} messages in a row ran out of retries with no delivery (last: {detail}).',
  'address.marked.email': 'The address is marked {state} and will not be used again.',
  'address.marked.sms': 'The number is marked {state} and will not be used again.',
  'address.senderBlockUntouched': 'A block about the sender says nothing about the address: it is left as it is.',
  'address.firstStrike':
    'First hard bounce at {domain}, one of the institution\'s domains: the address is marked failed only if another follows within {days} days.',
  'address.secondStrike': 'Second hard bounce at {domain} within {days} days: the address is marked failed and will not be used again.',
  'address.strikeBeforeDelivery': 'A hard bounce at {domain} older than the last delivery: the mailbox worked after it, so it is not a strike.',

  // About the event as a whole.
  'decision.noMessage': 'No message of ours matches this event.',
  'decision.beforeReactivation': 'It happened before the address was reactivated, so it does not suppress it again.',
  'intake.ignored': '"{rawType}" has no effect on delivery; kept for the record.',
  'intake.noAddress': 'The event names no address the plugin can read, and matches no message.',
  'intake.unreadable': 'Could not be read: {detail}. Kept for diagnosis; the rest of the request was stored.',

  // Sending.
  'send.dropped.email': 'Not sent: the address is {state}.',
  'send.dropped.sms': 'Not sent: the number is {state}.',
  'send.droppedBecause.email': 'Not sent: the address is {state} ({detail}).',
  'send.droppedBecause.sms': 'Not sent: the number is {state} ({detail}).',
  'send.handedOff': 'Attempt {attempt} handed to {transport}.',
  'send.unconfirmedWaiting':
    "Attempt {attempt} handed to {transport}, unconfirmed: {detail}. Waiting until {at} for {transport}'s report before sending again.",
  'send.quietHours': 'Scheduled for {at}: quiet hours ({start}–{end}, {timeZone}).',
  'send.unconfirmedGivenUp': 'Attempt {attempt} handed to {transport}, unconfirmed: {detail}. Not sent again: the retry window has run out.',
  'send.abandonedWaiting':
    "Attempt {attempt} through {transport}: the process handing it over stopped before it recorded the answer. Waiting until {at} for {transport}'s report before sending again.",
  'send.abandonedGivenUp':
    'Attempt {attempt} through {transport}: the process handing it over stopped before it recorded the answer. Not sent again: the retry window has run out.',
  // Falling back to the other channel (services/fallbacks.ts).
  'fallback.sent': 'Not delivered by {channel}: sent again by {other} as message {message}.',
  'fallback.noContact': 'Not delivered by {channel}, and not sent by {other}: the message has no contact to find another address on.',
  'fallback.noAddress': 'Not delivered by {channel}, and not sent by {other}: the contact has no usable {other} address.',
  'fallback.noContent': 'Not delivered by {channel}, and not sent by {other}: the message was given no {other} version.',
  'fallback.of': 'Sent by {channel} in place of message {message}, which was not delivered by {other}.',
} as const;

export type ReasonCode = keyof typeof REASON_TEMPLATES;
export const REASON_CODES = Object.keys(REASON_TEMPLATES) as ReasonCode[];

/**
 * A reason's parameters. Some names are typed values that a reader's language words differently:
 * `provider` (a provider name), `state` (an address state), `status`/`claimed` (message statuses)
 * and `at` (an ISO instant). The rest (`detail`, `rawType`, …) are the provider's own words.
 */
export interface ReasonParams {
  provider?: ProviderName;
  state?: AddressState;
  status?: string;
  claimed?: string;
  at?: string;
  [name: string]: string | number | undefined;
}

/** One sentence of a reason. A stored reason is a list of them. */
export interface ReasonPart {
  code: ReasonCode;
  params?: ReasonParams;
}

export const PROVIDER_LABELS: Record<ProviderName, string> = {
  sendgrid: 'SendGrid',
  mailgun: 'Mailgun',
  postmark: 'Postmark',
  ses: 'Amazon SES',
  twilio: 'Twilio',
  vonage: 'Vonage',
  sandbox: 'the sandbox',
  smtp: 'the SMTP server',
  import: 'an imported list',
  'one-click': 'the one-click unsubscribe link',
};

/** Ends a phrase with a full stop, unless it (the provider's own text, say) already ends a sentence. */
export function asSentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

export const reasonPart = (code: ReasonCode, params?: ReasonParams): ReasonPart => (params ? { code, params } : { code });

/**
 * A reason as text: each part rendered by `sentence` (the English templates here, or the admin's
 * translations), ended as a sentence, and joined. The one place that says how parts make a text.
 */
export function renderReason(parts: readonly ReasonPart[], sentence: (part: ReasonPart) => string): string {
  return parts
    .map((part) => asSentence(sentence(part)))
    .filter((s) => s !== '.' && s.trim().length > 0)
    .join(' ');
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] === undefined ? whole : String(values[name])));
}

/** The English words for the typed parameters, as the stored text has always had them. */
function englishParams(params: ReasonParams = {}): Record<string, string | number | undefined> {
  return {
    ...params,
    provider: params.provider === undefined ? undefined : PROVIDER_LABELS[params.provider],
    state: params.state === undefined ? undefined : ADDRESS_STATE_LABELS[params.state].toLowerCase(),
  };
}

/** One part in English, as it is (not made a sentence). */
export function englishPhrase(part: ReasonPart): string {
  return fill(REASON_TEMPLATES[part.code], englishParams(part.params));
}

/** The English text stored beside the codes. */
export function englishReason(parts: readonly ReasonPart[]): string {
  return renderReason(parts, englishPhrase);
}

/** An event row's reason columns: the English text, and the codes it came from. */
export function eventReason(parts: ReasonPart[]): { reason: string; reasonData: ReasonPart[] } {
  return { reason: englishReason(parts), reasonData: parts };
}

/** A message row's reason columns, the same way. */
export function statusReason(parts: ReasonPart[]): { statusReason: string; statusReasonData: ReasonPart[] } {
  return { statusReason: englishReason(parts), statusReasonData: parts };
}

/** Whether a stored value is a list of reason parts of known codes (rows written before codes existed have none). */
export function isReasonData(value: unknown): value is ReasonPart[] {
  return Array.isArray(value) && value.every((part) => {
    const code = (part as { code?: unknown } | null)?.code;
    return typeof code === 'string' && Object.prototype.hasOwnProperty.call(REASON_TEMPLATES, code);
  });
}
