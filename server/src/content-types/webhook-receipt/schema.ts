/**
 * One row per accepted webhook request that carries a replay token (Mailgun signs a one-time
 * token), and per provider the time of the last accepted request, for the health view.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_webhook_receipts',
  info: {
    singularName: 'webhook-receipt',
    pluralName: 'webhook-receipts',
    displayName: 'Webhook receipt',
    description: 'Accepted webhook requests, to refuse replays.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    provider: { type: 'string', required: true, maxLength: 64 },
    // Unique: a second request with the same signed token is a replay.
    receiptKey: { type: 'string', required: true, unique: true, maxLength: 255 },
    // The same token with another body is a forgery: the signature does not cover the body.
    bodyHash: { type: 'string', maxLength: 128 },
    eventCount: { type: 'integer', default: 0 },
  },
  indexes: [
    // Every Mailgun request looks its signed token up here, and the table only grows.
    { name: 'dlv_receipts_key_uq', columns: ['receipt_key'], type: 'unique' },
    // The health view: the last receipt per provider.
    { name: 'dlv_receipts_provider_idx', columns: ['provider', 'created_at'] },
  ],
};
