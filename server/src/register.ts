import type { Core } from '@strapi/strapi';
import { withWebhookBodies } from './middlewares/webhook-body';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  // Webhook signatures need the exact bytes received; sites need no change to config/middlewares.
  strapi.get('middlewares').extend('strapi::body', withWebhookBodies);
};
