import type { Core } from '@strapi/strapi';
import { seedDemo } from './seed';

export default {
  register() {},
  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    // `npm run demo` sets this; a plain `strapi develop` leaves the data alone.
    if (process.env.DELIVERABILITY_DEMO_SEED === 'true') await seedDemo(strapi);
  },
};
