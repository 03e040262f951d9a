/**
 * Changes to the reports' roll-up not yet folded into it: appended by every write that creates,
 * re-statuses or deletes a message, in that write's transaction; removed by the compaction. Reports
 * add them to the counts, so a report is exact between compactions.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_report_deltas',
  info: {
    singularName: 'report-delta',
    pluralName: 'report-deltas',
    displayName: 'Report delta',
    description: 'A change to the report counts, waiting to be folded in.',
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
    /** Positive or negative. */
    messages: { type: 'integer', required: true },
  },
  indexes: [{ name: 'dlv_report_deltas_bucket_idx', columns: ['bucket'] }],
};
