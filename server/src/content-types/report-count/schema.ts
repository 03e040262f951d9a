/**
 * The reports' roll-up (`core/report-rollup.ts`): how many messages created in a quarter-hour
 * (UTC) on a channel have a status now. Written only by the compaction, which folds the deltas in.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_report_counts',
  info: {
    singularName: 'report-count',
    pluralName: 'report-counts',
    displayName: 'Report count',
    description: 'Messages by quarter-hour of creation, channel and status, for the reports.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    bucket: { type: 'datetime', required: true },
    channel: { type: 'string', required: true, maxLength: 8 },
    status: { type: 'string', required: true, maxLength: 16 },
    messages: { type: 'integer', required: true },
  },
  indexes: [{ name: 'dlv_report_counts_uq', columns: ['bucket', 'channel', 'status'], type: 'unique' }],
};
