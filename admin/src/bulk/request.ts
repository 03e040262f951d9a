/**
 * The compose form's state and what it becomes: the request the server takes, and which input a
 * refusal of that request belongs to. Pure, so that the mapping is tested without a browser.
 */
import type { Channel } from '../utils/status';
import type { BulkSendRequest } from './api';
import { filtersOf, type Condition } from './filters';

export interface Draft {
  channel: Channel;
  sourceName: string;
  subject: string;
  text: string;
  type: string;
  conditions: Condition[];
  /** The category picked; empty until the configured ones are known (the server then takes marketing). */
  category: string;
}

export function requestOf(draft: Draft): BulkSendRequest {
  const content = draft.channel === 'email' ? { subject: draft.subject, text: draft.text } : { body: draft.text };
  return {
    channel: draft.channel,
    sourceName: draft.sourceName,
    ...content,
    ...(draft.category ? { category: draft.category } : {}),
    recipients: { type: draft.type || null, filters: filtersOf(draft.conditions) },
  };
}

/** The compose form's inputs a refusal can be shown under (null: above the buttons). */
export type RefusedInput = 'sourceName' | 'subject' | 'text' | 'recipients' | null;

/**
 * Which input a refusal belongs to. The body is `text` for email and `body` for SMS; a merge field
 * without a value is about the content; anything about the recipients goes under the type.
 */
export function inputOf(field: string | null): RefusedInput {
  if (field === null) return null;
  if (field === 'sourceName' || field === 'subject') return field;
  if (field === 'text' || field === 'html' || field === 'body' || field === 'mergeFields') return 'text';
  return field.startsWith('recipients') ? 'recipients' : null;
}
