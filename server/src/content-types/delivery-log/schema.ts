import { CHANNELS } from '../../core/events';
import { LOG_SOURCES } from '../../core/message-input';
import { MESSAGE_STATUSES } from '../../core/statuses';


/**
 * One message to one address on one channel: the unit of Full Logs, reports and retries.
 * The contact is kept as (type, documentId) rather than a relation, because a site can point
 * the plugin at its own student type.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_logs',
  info: {
    singularName: 'delivery-log',
    pluralName: 'delivery-logs',
    displayName: 'Delivery log',
    description: 'One message sent to one address, its status and its attempts.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    channel: { type: 'enumeration', enum: [...CHANNELS], required: true },
    address: { type: 'string', required: true, maxLength: 320 },
    contactType: { type: 'string', maxLength: 255 },
    contactDocumentId: { type: 'string', maxLength: 255 },
    source: { type: 'enumeration', enum: [...LOG_SOURCES], default: 'api', required: true },
    sourceName: { type: 'string', maxLength: 255 },
    status: { type: 'enumeration', enum: [...MESSAGE_STATUSES], default: 'queued', required: true },
    statusReason: { type: 'text' },
    // `statusReason` as codes and parameters (core/reasons.ts).
    statusReasonData: { type: 'json' },
    attempts: { type: 'integer', default: 0, required: true },
    firstAttemptAt: { type: 'datetime' },
    nextAttemptAt: { type: 'datetime' },
    lastEventAt: { type: 'datetime' },
    provider: { type: 'string', maxLength: 64 },
    providerMessageId: { type: 'string', maxLength: 255 },
    lastError: { type: 'text' },
    // What to send again on a retry: { subject, html, text } or { body }.
    content: { type: 'json' },
    // The caller's key, unique within its scope (one API token, one admin user, or server code), with
    // a hash of the request it came with: the same key with another request is refused, not merged.
    idempotencyKey: { type: 'string', maxLength: 255 },
    idempotencyScope: { type: 'string', maxLength: 255 },
    requestHash: { type: 'string', maxLength: 64 },
    // The retrier's claim: whoever holds an unexpired lease is the only one re-sending this message.
    leaseOwner: { type: 'string', maxLength: 255 },
    leaseExpiresAt: { type: 'datetime' },
    // The bulk send (its documentId) this message belongs to, if any.
    bulkSendId: { type: 'string', maxLength: 255 },
    // The message's category (core/categories.ts); null: uncategorised.
    category: { type: 'string', maxLength: 64 },
    // The other channel's version, sent if this message fails and its category falls back.
    fallbackContent: { type: 'json' },
    // On a fallback message: the message it stands in for. Unique, so one message has one fallback.
    fallbackOf: { type: 'string', maxLength: 255 },
    // On the message that failed: its fallback message.
    fallbackMessage: { type: 'string', maxLength: 255 },
  },
  indexes: [
    // Every send with an idempotency key looks it up first. Unique per scope, so that two requests with
    // one key at once collide in the database (the loser answers with the winner's message). NULLs never collide.
    { name: 'dlv_logs_idempotency_scope_uq', columns: ['idempotency_scope', 'idempotency_key'], type: 'unique' },
    // Webhook matching: the log for a provider's message id.
    { name: 'dlv_logs_provider_msg_idx', columns: ['provider_message_id'] },
    // The retrier's claim: due messages by status and next attempt time.
    { name: 'dlv_logs_due_idx', columns: ['status', 'next_attempt_at'] },
    // Expired claims of queued messages.
    { name: 'dlv_logs_lease_idx', columns: ['status', 'lease_expires_at'] },
    // Full Logs: one contact's messages, newest first.
    { name: 'dlv_logs_contact_idx', columns: ['contact_type', 'contact_document_id', 'created_at'] },
    // Full Logs for a bare address, and the suppression list's "message that caused it".
    { name: 'dlv_logs_address_idx', columns: ['channel', 'address', 'created_at'] },
    // Reports: counts by channel and status over a period.
    { name: 'dlv_logs_report_idx', columns: ['created_at', 'channel', 'status'] },
    // Bulk sends: a send's queue (parked messages) and its progress by status.
    { name: 'dlv_logs_bulk_idx', columns: ['bulk_send_id', 'status'] },
    // Bulk sends: its messages attempted since an instant, by status (the breaker's sample, each
    // second; the progress's per-minute figure), read from the index alone instead of every row.
    { name: 'dlv_logs_bulk_attempted_idx', columns: ['bulk_send_id', 'first_attempt_at', 'status'] },
    // A message has at most one fallback, even when two instances decide it at once. NULLs never collide.
    { name: 'dlv_logs_fallback_of_uq', columns: ['fallback_of'], type: 'unique' },
    // Reports: a category's messages over a period (critical messages reached).
    { name: 'dlv_logs_category_idx', columns: ['category', 'created_at'] },
  ],
};
