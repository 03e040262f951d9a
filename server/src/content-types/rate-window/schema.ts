/**
 * The public routes' rate limits (`services/rate-limits.ts`), shared by every instance: one row a
 * window, scope and key, counting the requests made in it. The key is a keyed hash of the client's
 * IP or of the target (a verification, a number): no address or phone number is stored. Rows are
 * swept once their window has ended.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_rate_windows',
  info: {
    singularName: 'rate-window',
    pluralName: 'rate-windows',
    displayName: 'Rate window',
    description: 'Requests counted against a public route limit in one window.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    scope: { type: 'string', required: true, maxLength: 32 },
    /** HMAC-SHA256 (hex) of what is limited: never the IP, address or number itself. */
    key: { type: 'string', required: true, maxLength: 64 },
    windowStart: { type: 'datetime', required: true },
    /** When the window ends: the sweep removes rows past it. */
    expiresAt: { type: 'datetime', required: true },
    hits: { type: 'integer', required: true },
  },
  indexes: [
    { name: 'dlv_rate_windows_uq', columns: ['scope', 'key', 'window_start'], type: 'unique' },
    { name: 'dlv_rate_windows_expires_idx', columns: ['expires_at'] },
  ],
};
