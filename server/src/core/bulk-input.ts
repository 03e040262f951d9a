/**
 * A bulk send request (a Grab), as callers give it, and its validation. The parts a single send
 * also has (channel, subject and body) are checked by the same rules; the recipients are a list
 * of contacts or a Content-Manager-style filter on one configured contact type.
 */
import type { Channel } from './events';
import { MessageInputError, isEmailContent, validateMessageInput, type MessageContent } from './message-input';
import { mergeFieldsOf } from './merge-fields';
import { DEFAULT_BULK_CATEGORY } from './categories';

/** Most recipients one bulk send may have: a term-start mailing of a large college, with room. */
export const MAX_BULK_RECIPIENTS = 100_000;

export type BulkRecipients =
  | { kind: 'contacts'; type: string | null; documentIds: string[] }
  | { kind: 'filter'; type: string | null; filters: Record<string, unknown> };

export interface BulkSendInput {
  channel: Channel;
  content: MessageContent;
  sourceName: string;
  recipients: BulkRecipients;
  /** Marketing unless the request names another category (core/categories.ts). */
  category: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function recipientsOf(raw: unknown): BulkRecipients {
  if (!isObject(raw)) throw new MessageInputError('recipients', 'must be { "contacts": [documentIds] } or { "filters": { … } }, with an optional "type"');
  const type = raw.type === undefined || raw.type === null ? null : raw.type;
  if (type !== null && (typeof type !== 'string' || type === '')) throw new MessageInputError('recipients.type', 'must be a contact type uid');
  if (raw.contacts !== undefined && raw.filters !== undefined) throw new MessageInputError('recipients', 'give either contacts or filters, not both');
  if (raw.contacts !== undefined) {
    const ids = raw.contacts;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id !== '' && id.length <= 255)) {
      throw new MessageInputError('recipients.contacts', 'must be a non-empty list of contact documentIds');
    }
    if (ids.length > MAX_BULK_RECIPIENTS) throw new MessageInputError('recipients.contacts', `must have at most ${MAX_BULK_RECIPIENTS} entries`);
    return { kind: 'contacts', type, documentIds: [...new Set(ids as string[])] };
  }
  if (raw.filters !== undefined) {
    if (!isObject(raw.filters)) throw new MessageInputError('recipients.filters', 'must be an object of Content Manager filters, such as { "lastName": { "$eq": "Okafor" } }');
    return { kind: 'filter', type, filters: raw.filters };
  }
  throw new MessageInputError('recipients', 'needs contacts or filters');
}

/** The merge fields a bulk send's content uses (subject and body together). */
export function contentMergeFields(content: MessageContent): string[] {
  const texts = isEmailContent(content) ? [content.subject, content.html ?? '', content.text ?? ''] : [content.body];
  return [...new Set(texts.flatMap((t) => mergeFieldsOf(t).map((f) => f.name)))];
}

/** Checks a raw bulk send request; returns it typed, or throws `MessageInputError` naming the first bad field. */
export function validateBulkSendInput(raw: unknown): BulkSendInput {
  if (!isObject(raw)) throw new MessageInputError('body', 'must be a JSON object');
  // The content rules of one message, with a placeholder recipient (the real ones are checked below).
  const placeholder = raw.channel === 'sms' ? '+447700900000' : 'placeholder@example.com';
  const single = validateMessageInput({ ...raw, to: { address: placeholder }, source: 'grab', idempotencyKey: undefined });
  // Each recipient's message is rendered from the template; a fallback template is not offered yet.
  if (single.fallback) throw new MessageInputError('fallback', 'bulk sends do not take a fallback; send critical messages one by one');
  const sourceName = raw.sourceName;
  if (typeof sourceName !== 'string' || sourceName.trim() === '') throw new MessageInputError('sourceName', 'is required: it names the bulk send in logs and reports');
  if (sourceName.length > 255) throw new MessageInputError('sourceName', 'must be at most 255 characters');
  return {
    channel: single.channel,
    content: single.content,
    sourceName: sourceName.trim(),
    recipients: recipientsOf(raw.recipients),
    category: single.category ?? DEFAULT_BULK_CATEGORY,
  };
}
