import { CHANNELS, EVENT_KINDS } from '../../core/events';

/** Append-only: one row per send attempt and per provider event, with the raw code and the reason for the decision. */
/** `unreadable`: an item of a provider's batch that could not be read (its JSON, cut short, is the raw text). */
export const EVENT_OUTCOMES = ['attempt', 'applied', 'no_change', 'unmatched', 'ignored', 'unreadable'] as const;
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
    kind: { type: 'enumeration', enum: [...EVENT_KINDS, 'send_attempt', 'fallback'], required: true },
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
    // A provider drop's reason (bounced, complained, …): re-deciding an address from its history needs it.
    dropReason: { type: 'string', maxLength: 32 },
    // Why the plugin did what it did, in words an editor understands.
    reason: { type: 'text' },
    // The same reason as codes and parameters (core/reasons.ts), for the admin to show in the reader's language.
    reasonData: { type: 'json' },
  },
  indexes: [
    // Every webhook batch looks its events up by key (replays), and every send stamps its attempt by
    // key. Unique: `unique: true` above is only checked by the Document Service, not the database, and
    // two requests racing on the same new event must collide here (the loser re-runs and sees it).
    { name: 'dlv_events_key_uq', columns: ['event_key'], type: 'unique' },
    // Webhook matching: a provider's id for an earlier attempt (a late report about a re-sent message).
    { name: 'dlv_events_provider_msg_idx', columns: ['provider_message_id'] },
    // Full Logs: a message's attempts and events in order.
    { name: 'dlv_events_log_idx', columns: ['log_document_id', 'occurred_at'] },
    // The providers page: each provider's last event.
    { name: 'dlv_events_provider_idx', columns: ['provider', 'created_at'] },
    // The unmatched-events page.
    { name: 'dlv_events_outcome_idx', columns: ['outcome', 'created_at'] },
    // Sender blocks per mailbox provider over a period (reports).
    { name: 'dlv_events_kind_idx', columns: ['kind', 'occurred_at'] },
  ],
};
