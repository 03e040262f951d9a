import type { Core } from '@strapi/strapi';
import { setDefaultCountry } from './core/phone';
import { PLUGIN_CONTACT_UID } from './config/validate';
import { withWebhookBodies } from './middlewares/webhook-body';
import { getService } from './utils/plugin';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  // Webhook signatures need the exact bytes received; sites need no change to config/middlewares.
  strapi.get('middlewares').extend('strapi::body', withWebhookBodies);

  // Every path that reads a phone number (contacts, sends, webhooks, look-ups) uses this one setting.
  setDefaultCountry(getService(strapi, 'config').get().sending.defaultCountry);

  // The contact-address index follows every Document Service write of a contact type.
  const indexMiddleware = getService(strapi, 'contact-index').middleware();
  // Strapi's Middleware type is a union over every content type and action; ours handles any of them.
  strapi.documents.use(indexMiddleware as unknown as Parameters<Core.Strapi['documents']['use']>[0]);
  // A changed address of a student whose address failed is recorded in their Full Logs.
  const changes = getService(strapi, 'address-changes').middleware();
  strapi.documents.use(changes as unknown as Parameters<Core.Strapi['documents']['use']>[0]);

  // Check each configured contact type and its field map now, so a typo stops the boot with a
  // clear message rather than failing at the first send. Then mark the types for the admin's
  // badges: a runtime annotation only, the host's schema files and tables are not touched.
  const sources = getService(strapi, 'contacts').sources();
  // The plugin's own Contact type is always registered (Strapi has no optional content types, and
  // its table must survive a change of mind); when a site sends to its own types instead, it is
  // hidden from the Content Manager so that editors do not keep two lists of students.
  if (!sources.some((source) => source.uid === PLUGIN_CONTACT_UID)) {
    const contact = (strapi.contentTypes as unknown as Record<string, { pluginOptions?: Record<string, unknown> }>)[PLUGIN_CONTACT_UID];
    contact.pluginOptions = { ...contact.pluginOptions, 'content-manager': { visible: false } };
  }
  for (const source of sources) {
    const contentType = (strapi.contentTypes as unknown as Record<string, { pluginOptions?: Record<string, unknown> }>)[source.uid];
    contentType.pluginOptions = {
      ...contentType.pluginOptions,
      deliverability: { tracked: true, fields: { email: source.fields.email, mobile: source.fields.mobile }, mirror: Object.keys(source.mirror) },
    };
  }
};
