/**
 * The normalized delivery event: what every provider module turns its webhook format into,
 * and what the decision rules read. Nothing here knows a provider's field names.
 */

export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

// `smtp`: a site's own SMTP server through the Email plugin, whose only reports are synchronous.
// `import`: a suppression list imported from another system (core/suppression-import.ts).
// `one-click`: the recipient, through the List-Unsubscribe link of a bulk email (core/unsubscribe.ts).
export const PROVIDERS = ['sendgrid', 'mailgun', 'postmark', 'ses', 'twilio', 'vonage', 'sandbox', 'smtp', 'import', 'one-click'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/**
 * What happened, in the plugin's words.
 *
 * - `accepted`: the provider took the message (processed, queued, sending, sent to carrier).
 * - `delivered`: the receiving server or handset accepted it.
 * - `delivery_delayed`: the provider is still retrying on its own (SendGrid/SES `deferred`).
 *   Logged only: re-sending now would reach the student twice.
 * - `soft_bounce`: a *final* temporary failure. The plugin re-sends on its backoff schedule.
 * - `hard_bounce`: a permanent address failure (no such mailbox, unknown or landline number).
 * - `dropped`: the provider refused to send at all (its own suppression list, say).
 * - `complaint`: the recipient marked the message as spam.
 * - `unsubscribe`: the recipient unsubscribed (email).
 * - `opt_out`: the recipient opted out of SMS (STOP).
 * - `failed`: the message failed for a reason that is not the address's fault
 *   (content filtered, sender not registered, account problem). The address is left alone.
 * - `sender_block`: the receiving server refused us, not the mailbox (reputation, block list,
 *   authentication, policy: core/sender-blocks.ts). Retried per policy; the address is left alone.
 * - `ignored`: anything else (opens, clicks, unknown event types); kept, but changes nothing.
 */
export const EVENT_KINDS = [
  'accepted',
  'delivered',
  'delivery_delayed',
  'soft_bounce',
  'hard_bounce',
  'dropped',
  'complaint',
  'unsubscribe',
  'opt_out',
  'failed',
  'sender_block',
  'ignored',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Stored events that matched no message, and batch items that could not be read: the unmatched-events page. */
export const UNMATCHED_OUTCOMES = ['unmatched', 'unreadable'] as const;
export type UnmatchedOutcome = (typeof UNMATCHED_OUTCOMES)[number];

/** Why a provider dropped a message, where it says; decides what happens to the address. */
export const DROP_REASONS = ['bounced', 'invalid', 'complained', 'unsubscribed', 'other'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export type Severity = 'permanent' | 'transient';

export interface NormalizedEvent {
  provider: ProviderName;
  channel: Channel;
  kind: EventKind;
  /** The recipient as the provider reported it (email address or phone number). */
  address: string;
  /** The provider's id for the message, used to find the DeliveryLog. */
  providerMessageId: string | null;
  /** The plugin's own correlation id, where the provider echoes it (custom args, metadata, client-ref). */
  correlationId: string | null;
  /** The send attempt the event belongs to, where the correlation id carries it. */
  attempt: number | null;
  /** A key unique to this event: the provider's event id, or one derived from stable fields. Makes replays harmless. */
  eventKey: string;
  /** When the event happened, by the provider's clock (epoch milliseconds). */
  occurredAt: number;
  /** The provider's own name for the event, e.g. `bounce/blocked` or `undelivered`. */
  rawType: string;
  /** The provider's error or status code, e.g. an SMTP status, `5.1.1`, or Twilio `30005`. */
  rawCode: string | null;
  /** The provider's explanation, as given. */
  rawText: string | null;
  severity: Severity | null;
  /** Only for `dropped`. */
  dropReason?: DropReason;
}

/** What an SMS error code means for the number and the message. Sites can override the table. */
export const SMS_CODE_MEANINGS = ['permanent', 'opt_out', 'transient', 'message'] as const;
export type SmsCodeMeaning = (typeof SMS_CODE_MEANINGS)[number];

/** Maps an SMS failure code's meaning to the event kind the rules act on. */
export function smsFailureKind(meaning: SmsCodeMeaning): Extract<EventKind, 'hard_bounce' | 'opt_out' | 'soft_bounce' | 'failed'> {
  switch (meaning) {
    case 'permanent':
      return 'hard_bounce';
    case 'opt_out':
      return 'opt_out';
    case 'transient':
      return 'soft_bounce';
    case 'message':
      return 'failed';
  }
}

/** Severity that goes with an SMS code meaning. */
export function smsFailureSeverity(meaning: SmsCodeMeaning): Severity {
  return meaning === 'transient' ? 'transient' : 'permanent';
}
