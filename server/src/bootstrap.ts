import type { Core } from '@strapi/strapi';
import { WEBHOOK_PROVIDER_NAMES } from './providers/types';
import { getService } from './utils/plugin';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = getService(strapi, 'config').get();
  for (const name of WEBHOOK_PROVIDER_NAMES) {
    if (config.providers[name].allowUnsigned) {
      strapi.log.warn(
        `[deliverability] ${name} webhooks accept UNSIGNED requests (allowUnsigned: true). Anyone can forge delivery reports; use this for local testing only.`,
      );
    }
  }
  getService(strapi, 'retrier').start();
};
