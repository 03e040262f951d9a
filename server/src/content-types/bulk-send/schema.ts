import { CHANNELS } from '../../core/events';

export const BULK_SEND_STATUSES = ['queued', 'running', 'paused', 'cancelled', 'done'] as const;

/**
 * One bulk send (a Grab): what it sends, to whom (as asked), and where it stands. Its messages
 * are ordinary delivery logs carrying its documentId in `bulkSendId`; their counts by status are
 * its progress, so nothing here has to be kept in step with them.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_bulk_sends',
  info: {
    singularName: 'bulk-send',
    pluralName: 'bulk-sends',
    displayName: 'Bulk send',
    description: 'A message sent to a list of contacts, queued and paced, with a breaker.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    sourceName: { type: 'string', required: true, maxLength: 255 },
    channel: { type: 'enumeration', enum: [...CHANNELS], required: true },
    status: { type: 'enumeration', enum: [...BULK_SEND_STATUSES], default: 'queued', required: true },
    // The template as given (merge fields unrendered): { subject, html, text } or { body }.
    content: { type: 'json' },
    // The recipients as asked: { kind: 'contacts' | 'filter', type, ... }.
    recipients: { type: 'json' },
    contactType: { type: 'string', maxLength: 255 },
    // The category every message of the send has (core/categories.ts).
    category: { type: 'string', maxLength: 64 },
    // Messages queued, and contacts left out because they have no usable address.
    total: { type: 'integer', default: 0, required: true },
    withoutAddress: { type: 'integer', default: 0, required: true },
    // Messages never handed over because the send was cancelled (they are removed from the queue).
    cancelledCount: { type: 'integer', default: 0, required: true },
    // Why it is paused: { by: 'breaker', trip: { metric, rate, threshold, sample, count } } or { by: 'editor', actor }.
    pause: { type: 'json' },
    // The breaker judges messages attempted from here on: an editor's resume starts a new sample.
    breakerSince: { type: 'datetime' },
    createdByName: { type: 'string', maxLength: 255 },
    startedAt: { type: 'datetime' },
    finishedAt: { type: 'datetime' },
  },
  indexes: [{ name: 'dlv_bulk_status_idx', columns: ['status'] }],
};
