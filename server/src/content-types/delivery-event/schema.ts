import { CHANNELS, EVENT_KINDS } from '../../core/events';

/** Append-only: one row per send attempt and per provider event, with the raw code and the reason for the decision. */
export const EVENT_OUTCOMES = ['attempt', 'applied', 'no_change', 'unmatched', 'ignored'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

export default {
  kind: 'collectionType',
  collectionName: 'deliverability_events',
  info: {
    singularName: 'delivery-event',
    pluralName: 'delivery-events',
    displayName: 'Delivery event',
    description: 'A send attempt or a provider report about a message, as received.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    // The provider's event id, or a key derived from stable fields: a replayed event finds its key taken.
    eventKey: { type: 'string', required: true, unique: true, maxLength: 255 },
    logDocumentId: { type: 'string', maxLength: 255 },
    kind: { type: 'enumeration', enum: [...EVENT_KINDS, 'send_attempt', 'retries_exhausted'], required: true },
    outcome: { type: 'enumeration', enum: [...EVENT_OUTCOMES], required: true },
    channel: { type: 'enumeration', enum: [...CHANNELS], required: true },
    address: { type: 'string', maxLength: 320 },
    provider: { type: 'string', maxLength: 64 },
    providerMessageId: { type: 'string', maxLength: 255 },
    attempt: { type: 'integer' },
    occurredAt: { type: 'datetime', required: true },
    rawType: { type: 'string', maxLength: 255 },
    rawCode: { type: 'string', maxLength: 255 },
    rawText: { type: 'text' },
    severity: { type: 'string', maxLength: 32 },
    // Why the plugin did what it did, in words an editor understands.
    reason: { type: 'text' },
  },
  indexes: [
    // Full Logs: a message's attempts and events in order.
    { name: 'dlv_events_log_idx', columns: ['log_document_id', 'occurred_at'] },
    // The unmatched-events page.
    { name: 'dlv_events_outcome_idx', columns: ['outcome', 'created_at'] },
  ],
};
