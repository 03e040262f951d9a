/**
 * The worklist digest's runs, one row a day: the row is the claim (a unique day, then a lease),
 * so that of several instances whose cron fires together, one sends the day's digest.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_worklist_digests',
  info: {
    singularName: 'worklist-digest',
    pluralName: 'worklist-digests',
    displayName: 'Worklist digest',
    description: "One day's digest of the advisors' worklist.",
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    day: { type: 'string', required: true, unique: true, maxLength: 10 },
    leaseOwner: { type: 'string', maxLength: 255 },
    leaseExpiresAt: { type: 'datetime' },
    sentAt: { type: 'datetime' },
    newEntries: { type: 'integer' },
    total: { type: 'integer' },
    logDocumentId: { type: 'string', maxLength: 64 },
  },
  indexes: [{ name: 'dlv_worklist_digest_day_uq', columns: ['day'], type: 'unique' }],
};
