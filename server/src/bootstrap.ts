import type { Core } from '@strapi/strapi';
import { registerPermissions } from './permissions';
import { WEBHOOK_PROVIDER_NAMES } from './providers/types';
import { getService } from './utils/plugin';
import { UID } from './utils/uids';

/** Host contact types that carry the mirror fields get them kept in sync, like the plugin's own Contact. */
function subscribeHostMirrors(strapi: Core.Strapi): void {
  const contacts = getService(strapi, 'contacts');
  const hosted = contacts.sources().filter((source) => source.uid !== UID.contact && Object.keys(source.mirror).length > 0);
  if (hosted.length === 0) return;
  const beforeWrite = async (event: { model: { uid: string }; params: { data?: Record<string, unknown> } }): Promise<void> => {
    const source = contacts.source(event.model.uid);
    if (source && event.params.data) await contacts.mirrorOnWrite(source, event.params.data);
  };
  strapi.db.lifecycles.subscribe({ models: hosted.map((s) => s.uid), beforeCreate: beforeWrite, beforeUpdate: beforeWrite });
}

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await registerPermissions(strapi);
  const config = getService(strapi, 'config').get();
  for (const name of WEBHOOK_PROVIDER_NAMES) {
    if (config.providers[name].allowUnsigned) {
      strapi.log.warn(
        `[deliverability] ${name} webhooks accept UNSIGNED requests (allowUnsigned: true). Anyone can forge delivery reports; use this for local testing only.`,
      );
    }
  }
  getService(strapi, 'unsubscribe').warnIfDisabled();
  subscribeHostMirrors(strapi);
  getService(strapi, 'outbound-events').register();
  // Before the retrier and the first webhook: contacts written while the index was not watching.
  try {
    await getService(strapi, 'contact-index').backfill();
  } catch (error) {
    // The site must still start; look-ups miss the contacts not yet indexed until the next boot. A
    // database error's text can quote the row's values (addresses), so only its code is logged.
    const code = (error as { code?: unknown })?.code ?? (error instanceof Error ? error.name : 'error');
    strapi.log.error(`[deliverability] address index: the back-fill failed (${String(code)}); it runs again at the next start`);
    strapi.log.debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  // Before anything sends: a site with messages but no report counts yet (an upgrade) is recounted.
  await getService(strapi, 'report-rollup').rebuildIfMissing();
  getService(strapi, 'report-rollup').start();
  getService(strapi, 'retrier').start();
  getService(strapi, 'bulk-worker').start();
  getService(strapi, 'suppression-sync').startSchedule();
};
