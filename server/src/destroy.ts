import type { Core } from '@strapi/strapi';
import { getService } from './utils/plugin';

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  // Stop the schedule and let the tick in flight finish (bounded), then cancel pending sandbox reports.
  await getService(strapi, 'bulk-worker').stop();
  await getService(strapi, 'retrier').stop();
  await getService(strapi, 'suppression-sync').stop();
  await getService(strapi, 'worklist-digest').stop();
  await getService(strapi, 'fallbacks').drain();
  await getService(strapi, 'report-rollup').stop();
  getService(strapi, 'leases').stop();
  getService(strapi, 'transports').stop();
};
