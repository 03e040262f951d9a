/**
 * One row per provider whose suppression lists are pulled: where the current pull stands (a
 * cursor, so a crashed or failed pull resumes where it stopped), who holds it (a lease, so one
 * instance pulls at a time), and its progress for the Providers page.
 */
export const SYNC_STATUSES = ['idle', 'running', 'done', 'failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export default {
  kind: 'collectionType',
  collectionName: 'deliverability_suppression_syncs',
  info: {
    singularName: 'suppression-sync',
    pluralName: 'suppression-syncs',
    displayName: 'Suppression sync',
    description: "Progress of the pull of one provider's suppression lists.",
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    provider: { type: 'string', required: true, unique: true, maxLength: 32 },
    status: { type: 'enumeration', enum: [...SYNC_STATUSES], default: 'idle' },
    /** `{ list, page }`: the index of the list being read and its next page's cursor; null between runs. */
    cursor: { type: 'json' },
    leaseOwner: { type: 'string', maxLength: 255 },
    leaseExpiresAt: { type: 'datetime' },
    /** The schedule's slot the last scheduled run was for: a slot is run by one instance only. */
    lastSlotAt: { type: 'datetime' },
    runStartedAt: { type: 'datetime' },
    runFinishedAt: { type: 'datetime' },
    pagesRead: { type: 'integer', default: 0 },
    entriesRead: { type: 'integer', default: 0 },
    /** Entries seen for the first time (the others were stored by an earlier pull). */
    entriesNew: { type: 'integer', default: 0 },
    lastError: { type: 'text' },
  },
  indexes: [{ name: 'dlv_syncs_provider_uq', columns: ['provider'], type: 'unique' }],
};
