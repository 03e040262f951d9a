import type { Core } from '@strapi/strapi';
import { webhookProviders } from '../providers';
import { WEBHOOK_PROVIDER_NAMES, type WebhookProviderName } from '../providers/types';
import { getService, table, toMs } from '../utils/plugin';
import { UID } from '../utils/uids';
import { webhookPath } from '../utils/webhook-path';
import type { ProvidersReport, RefusalCount } from '../contract';

/**
 * The providers view: for each webhook provider, whether this site can accept its reports, what
 * is missing, when its last event arrived, how many of its requests were refused, and the exact
 * URL to paste into its console. Never returns a secret, only whether one is set.
 */

const STORE_KEY = 'webhook-refusals';

interface StoredRefusals {
  since: string | null;
  providers: Partial<Record<WebhookProviderName, RefusalCount>>;
}

const isProvider = (name: string): name is WebhookProviderName => (WEBHOOK_PROVIDER_NAMES as readonly string[]).includes(name);

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: 'deliverability', key: STORE_KEY });
  // Refusals not yet written, and whether a write is under way: a flood of forged requests costs
  // one write at a time, not one per request.
  const pending = new Map<WebhookProviderName, RefusalCount>();
  let writing: Promise<void> | null = null;

  async function readStored(): Promise<StoredRefusals> {
    const value = (await store().get({})) as StoredRefusals | null | undefined;
    return value && typeof value === 'object' && value.providers ? value : { since: null, providers: {} };
  }

  async function flush(): Promise<void> {
    while (pending.size > 0) {
      const batch = new Map(pending);
      pending.clear();
      const stored = await readStored();
      stored.since ??= new Date().toISOString();
      for (const [name, delta] of batch) {
        const current = stored.providers[name] ?? { count: 0, lastAt: null, lastStatus: null };
        stored.providers[name] = { count: current.count + delta.count, lastAt: delta.lastAt, lastStatus: delta.lastStatus };
      }
      await store().set({ value: stored });
    }
  }

  function merged(stored: StoredRefusals, name: WebhookProviderName): RefusalCount {
    const saved = stored.providers[name] ?? { count: 0, lastAt: null, lastStatus: null };
    const unsaved = pending.get(name);
    return unsaved ? { count: saved.count + unsaved.count, lastAt: unsaved.lastAt, lastStatus: unsaved.lastStatus } : saved;
  }

  return {
    /**
     * Counts a refused webhook request (bad signature, stale timestamp, malformed body, not
     * configured). Cheap: memory first, persisted in the background, one write at a time.
     */
    recordRefusal(provider: string, status: number): Promise<void> {
      if (!isProvider(provider)) return Promise.resolve();
      const current = pending.get(provider) ?? { count: 0, lastAt: null, lastStatus: null };
      pending.set(provider, { count: current.count + 1, lastAt: new Date().toISOString(), lastStatus: status });
      if (!writing) {
        writing = flush()
          .catch((error: unknown) => {
            strapi.log.warn(`[deliverability] Could not save the webhook refusal count: ${(error as Error).message}`);
          })
          .finally(() => {
            writing = null;
          });
      }
      return writing;
    },

    webhookBase(fallbackOrigin?: string): { base: string; configured: boolean } {
      const config = getService(strapi, 'config').get();
      const path = webhookPath(strapi);
      if (config.publicUrl) return { base: `${trimSlash(config.publicUrl)}${path}`, configured: true };
      const absolute = strapi.config.get('server.absoluteUrl') as string | undefined;
      const origin = fallbackOrigin ?? absolute ?? 'http://localhost:1337';
      return { base: `${trimSlash(origin)}${path}`, configured: false };
    },

    async report(fallbackOrigin?: string): Promise<ProvidersReport> {
      const config = getService(strapi, 'config').get();
      const webhooks = getService(strapi, 'webhooks');
      const { base, configured: publicUrlConfigured } = this.webhookBase(fallbackOrigin);
      const stored = await readStored();
      // One small query per provider: with an index on (provider, created_at) each reads one row.
      const lastEvents = await Promise.all(
        WEBHOOK_PROVIDER_NAMES.map(async (name) => {
          const [row] = await table(strapi, UID.event).findMany({ where: { provider: name }, orderBy: [{ createdAt: 'desc' }], limit: 1, select: ['createdAt'] });
          const ms = toMs(row?.createdAt);
          return ms === null ? null : new Date(ms).toISOString();
        }),
      );
      const sending = (config as { sending?: { email?: string; sms?: string } }).sending;
      return {
        publicUrlConfigured,
        baseUrl: base,
        refusalsSince: stored.since,
        sending: { email: sending?.email ?? null, sms: sending?.sms ?? null },
        providers: WEBHOOK_PROVIDER_NAMES.map((name, i) => {
          const provider = webhookProviders[name];
          return {
            name,
            channel: provider.channel,
            configured: provider.isConfigured(config.providers),
            acceptsUnsigned: config.providers[name].allowUnsigned === true,
            secretVariable: webhooks.secretVariable(name),
            webhookUrl: `${base}/${name}`,
            lastEventAt: lastEvents[i],
            refused: merged(stored, name),
          };
        }),
      };
    },
  };
};
