/**
 * The reports' roll-up by hour (`core/report-rollup.ts`): the quarter-hour counts summed by hour,
 * for reports whose days start on the hour. Written only by the compaction, with the counts.
 */
import countsByQuarterHour from '../report-count/schema';

export default {
  kind: 'collectionType',
  collectionName: 'deliverability_report_hours',
  info: {
    singularName: 'report-hour',
    pluralName: 'report-hours',
    displayName: 'Report count by hour',
    description: 'Messages by hour of creation, channel and status, for the reports.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  // The same columns as the counts by quarter-hour (a copy: Strapi adds its own to each schema).
  attributes: structuredClone(countsByQuarterHour.attributes),
  indexes: [{ name: 'dlv_report_hours_uq', columns: ['bucket', 'channel', 'status'], type: 'unique' }],
};
