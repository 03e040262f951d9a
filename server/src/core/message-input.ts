/**
 * The send request, as callers give it (the HTTP API and other plugins' code), and its validation.
 * An invalid message is refused with an error that names the field.
 */
import { normalizeEmail } from './addresses';
import { parsePhone } from './phone';
import type { Channel } from './events';
import { CATEGORY_NAME, categoryPolicyOf, otherChannel, type CategoryPolicies } from './categories';

export const MESSAGE_SOURCES = ['touchpoint', 'grab', 'manual', 'api'] as const;
export type MessageSource = (typeof MESSAGE_SOURCES)[number];
/**
 * A verification message (services/verification.ts): the one kind of message that reaches a
 * suppressed address. Set only by the plugin's own code, never accepted from a caller.
 */
export const VERIFICATION_SOURCE = 'verification';
/** What a message's log can say it came from. */
export const LOG_SOURCES = [...MESSAGE_SOURCES, VERIFICATION_SOURCE] as const;

export type EmailContent = { subject: string; html: string | null; text: string | null };
export type SmsContent = { body: string };
export type MessageContent = EmailContent | SmsContent;

export type Recipient = { contact: string; type: string | null } | { address: string };

export interface MessageInput {
  channel: Channel;
  to: Recipient;
  content: MessageContent;
  source: MessageSource;
  sourceName: string | null;
  idempotencyKey: string | null;
  /** The category's name (core/categories.ts); null: uncategorised, today's rule. Checked against the config by the services. */
  category: string | null;
  /** The same message for the other channel (an SMS version of an email, or the reverse), sent if this one fails. */
  fallback: MessageContent | null;
}

export class MessageInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'MessageInputError';
  }
}

const MAX_SMS_LENGTH = 1600; // Twilio's limit for one (concatenated) message.
const MAX_SUBJECT_LENGTH = 998; // RFC 5322 line limit.

function text(field: string, value: unknown, { required = false, max = 1_000_000 } = {}): string | null {
  if (value === undefined || value === null || value === '') {
    if (required) throw new MessageInputError(field, 'is required');
    return null;
  }
  if (typeof value !== 'string') throw new MessageInputError(field, 'must be a string');
  if (required && value.trim() === '') throw new MessageInputError(field, 'must not be blank');
  if (value.length > max) throw new MessageInputError(field, `must be at most ${max} characters`);
  return value;
}

export function isEmailContent(content: MessageContent): content is EmailContent {
  return 'subject' in content;
}

/** A message's content for `channel`, from `input`'s fields; `prefix` names them in errors (`fallback.`). */
function contentOf(channel: Channel, input: Record<string, unknown>, prefix: string): MessageContent {
  if (channel === 'sms') return { body: text(`${prefix}body`, input.body, { required: true, max: MAX_SMS_LENGTH })! };
  const subject = text(`${prefix}subject`, input.subject, { required: true, max: MAX_SUBJECT_LENGTH })!;
  const html = text(`${prefix}html`, input.html);
  const plain = text(`${prefix}text`, input.text);
  if (!html && !plain) throw new MessageInputError(`${prefix}text`, 'an email needs html or text');
  return { subject, html, text: plain };
}

/** `category`: a name's shape only; whether the site has that category is the services' check (it needs the config). */
function categoryOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !CATEGORY_NAME.test(value)) throw new MessageInputError('category', 'must be a category name, such as critical, transactional or marketing');
  return value;
}

/** `fallback`: the other channel's version, `{ body }` for an email's SMS, `{ subject, html, text }` for an SMS's email. */
function fallbackOf(channel: Channel, value: unknown): MessageContent | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MessageInputError('fallback', channel === 'email' ? 'must be the SMS version: { "body": "…" }' : 'must be the email version: { "subject": "…", "text": "…" }');
  }
  return contentOf(otherChannel(channel), value as Record<string, unknown>, 'fallback.');
}

/** Checks a raw send request; returns it typed, or throws `MessageInputError` naming the first bad field. */
export function validateMessageInput(raw: unknown): MessageInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MessageInputError('body', 'must be a JSON object');
  const input = raw as Record<string, unknown>;
  const channel = input.channel;
  if (channel !== 'email' && channel !== 'sms') throw new MessageInputError('channel', "must be 'email' or 'sms'");

  const to = input.to;
  if (typeof to !== 'object' || to === null || Array.isArray(to)) {
    throw new MessageInputError('to', 'must be { "contact": "<documentId>" } or { "address": "<email or E.164 number>" }');
  }
  const target = to as Record<string, unknown>;
  let recipient: Recipient;
  if (target.contact !== undefined && target.address !== undefined) throw new MessageInputError('to', 'give either contact or address, not both');
  if (target.contact !== undefined) {
    const contact = text('to.contact', target.contact, { required: true, max: 255 })!;
    recipient = { contact, type: text('to.type', target.type, { max: 255 }) };
  } else if (target.address !== undefined) {
    const address = text('to.address', target.address, { required: true, max: 320 })!;
    if (channel === 'email') {
      const normalized = normalizeEmail(address);
      if (!normalized) throw new MessageInputError('to.address', 'is not a valid email address');
      recipient = { address: normalized };
    } else {
      const phone = parsePhone(address);
      if (!phone.ok) throw new MessageInputError('to.address', phone.reason);
      recipient = { address: phone.e164 };
    }
  } else {
    throw new MessageInputError('to', 'needs a contact or an address');
  }

  const content = contentOf(channel, input, '');
  const source = input.source ?? 'api';
  if (!(MESSAGE_SOURCES as readonly unknown[]).includes(source)) {
    throw new MessageInputError('source', `must be one of ${MESSAGE_SOURCES.join(', ')}`);
  }
  return {
    channel,
    to: recipient,
    content,
    source: source as MessageSource,
    sourceName: text('sourceName', input.sourceName, { max: 255 }),
    idempotencyKey: text('idempotencyKey', input.idempotencyKey, { max: 255 }),
    category: categoryOf(input.category),
    fallback: fallbackOf(channel, input.fallback),
  };
}

/**
 * The request's category against the site's categories: an unknown name is refused, and so is a
 * fallback on a category that does not fall back (it would never be sent, silently).
 */
export function checkCategory(input: Pick<MessageInput, 'category' | 'fallback'>, policies: CategoryPolicies): void {
  const { category, fallback } = input;
  if (category !== null && !Object.prototype.hasOwnProperty.call(policies, category)) {
    throw new MessageInputError('category', `must be one of ${Object.keys(policies).join(', ')}`);
  }
  if (fallback && !categoryPolicyOf(policies, category).fallback) {
    const allowed = Object.keys(policies).filter((name) => policies[name].fallback);
    throw new MessageInputError('fallback', `only a message of a category that falls back to the other channel (${allowed.join(', ') || 'none configured'}) takes a fallback`);
  }
}
