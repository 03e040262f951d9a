import { createHash } from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { webhookProviders } from '../providers';
import { MalformedPayloadError, storableKey, UpstreamUnavailableError } from '../providers/shared';
import type { UnreadableItem, WebhookProviderName, WebhookRequest } from '../providers/types';
import { getService, table } from '../utils/plugin';
import { UID } from '../utils/uids';
import { insertRows } from '../utils/bulk';
import { eventReason, reasonPart } from '../core/reasons';
import { ReplayError, type IntakeResult } from './intake';

/** A webhook's answer: the status code and a JSON body that says what happened, never a secret. */
export interface WebhookAnswer {
  status: number;
  body: { ok: boolean; error?: string } & Partial<IntakeResult> & { confirmed?: boolean; unreadable?: number };
}

const UNREADABLE_CHUNK = 500;

/** The event key of an unreadable item: a redelivered batch finds it taken. */
export function unreadableKey(provider: WebhookProviderName, item: UnreadableItem): string {
  return `${provider}:unreadable:${item.key}`;
}

const NAMES: Record<WebhookProviderName, string> = {
  sendgrid: 'SendGrid',
  mailgun: 'Mailgun',
  postmark: 'Postmark',
  ses: 'Amazon SES (SNS)',
  twilio: 'Twilio',
  vonage: 'Vonage',
};

const SECRET_VARIABLE: Record<WebhookProviderName, string> = {
  sendgrid: 'DELIVERABILITY_SENDGRID_PUBLIC_KEY',
  mailgun: 'DELIVERABILITY_MAILGUN_SIGNING_KEY',
  postmark: 'DELIVERABILITY_POSTMARK_WEBHOOK_USER and DELIVERABILITY_POSTMARK_WEBHOOK_PASSWORD',
  ses: 'DELIVERABILITY_SES_TOPIC_ARNS',
  twilio: 'DELIVERABILITY_TWILIO_AUTH_TOKEN',
  vonage: 'DELIVERABILITY_VONAGE_SIGNATURE_SECRET',
};

export function isWebhookProvider(name: string): name is WebhookProviderName {
  return Object.prototype.hasOwnProperty.call(webhookProviders, name);
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  // SNS signing certificates, by URL: fetched once per process.
  const certificateCache = new Map<string, string>();

  return {
    secretVariable(name: WebhookProviderName): string {
      return SECRET_VARIABLE[name];
    },

    /** Verify, parse and apply one provider request; refusals are counted for the providers page. */
    async receive(name: string, request: WebhookRequest): Promise<WebhookAnswer> {
      const answer = await this.handle(name, request);
      if (answer.status >= 400 && isWebhookProvider(name)) {
        // Counting must never turn an answer into an error: the provider retries on 5xx.
        void getService(strapi, 'provider-health')
          .recordRefusal(name, answer.status)
          .catch(() => undefined);
      }
      return answer;
    },

    /** Every refusal happens before anything is written. */
    async handle(name: string, request: WebhookRequest): Promise<WebhookAnswer> {
      if (!isWebhookProvider(name)) {
        return { status: 404, body: { ok: false, error: `Unknown provider "${name}". Known: ${Object.keys(webhookProviders).join(', ')}.` } };
      }
      const provider = webhookProviders[name];
      const config = getService(strapi, 'config').get();
      const settings = config.providers;
      const now = Date.now();
      const unsigned = settings[name].allowUnsigned === true;

      if (!provider.isConfigured(settings) && !unsigned) {
        return {
          status: 503,
          body: { ok: false, error: `${NAMES[name]} webhooks are not configured on this site: set ${SECRET_VARIABLE[name]}.` },
        };
      }
      if (name !== 'vonage' && request.method !== 'POST') {
        return { status: 405, body: { ok: false, error: `${NAMES[name]} webhooks must be POSTed.` } };
      }

      if (provider.maxBodyBytes !== undefined && request.rawBody.length > provider.maxBodyBytes) {
        return { status: 413, body: { ok: false, error: `${NAMES[name]} requests are at most ${provider.maxBodyBytes} bytes.` } };
      }

      let replayKey: string | undefined;
      if (!unsigned) {
        let verdict;
        try {
          verdict = await provider.verify(request, { settings, now, maxAgeSeconds: config.webhooks.maxAgeSeconds, certificateCache });
        } catch (error) {
          if (error instanceof UpstreamUnavailableError) return { status: 503, body: { ok: false, error: error.message } };
          if (error instanceof MalformedPayloadError) {
            return { status: 400, body: { ok: false, error: `Malformed ${NAMES[name]} payload: ${error.message}` } };
          }
          throw error;
        }
        if (!verdict.ok) {
          strapi.log.warn(`[deliverability] ${NAMES[name]} webhook refused (${verdict.status}): ${verdict.reason}`);
          return { status: verdict.status, body: { ok: false, error: verdict.reason } };
        }
        replayKey = verdict.replayKey;
      }

      let parsed;
      try {
        parsed = provider.parse(request, { settings, now });
      } catch (error) {
        if (error instanceof MalformedPayloadError) {
          return { status: 400, body: { ok: false, error: `Malformed ${NAMES[name]} payload: ${error.message}` } };
        }
        throw error;
      }

      if (parsed.subscriptionConfirmation) {
        try {
          await this.confirmSubscription(parsed.subscriptionConfirmation.subscribeUrl);
        } catch (error) {
          strapi.log.error(`[deliverability] SNS subscription confirmation failed: ${(error as Error).message}`);
          return { status: 502, body: { ok: false, error: 'Could not confirm the SNS subscription; SNS will ask again.' } };
        }
        strapi.log.info(`[deliverability] Confirmed the SNS subscription for ${parsed.subscriptionConfirmation.topicArn}.`);
        return { status: 200, body: { ok: true, confirmed: true } };
      }

      const unreadable = parsed.unreadable ?? [];
      if (unreadable.length > 0) {
        // Positions and field names only: the items themselves may hold addresses.
        const sample = unreadable.slice(0, 3).map((item) => item.reason).join('; ');
        strapi.log.warn(`[deliverability] ${NAMES[name]} webhook: ${unreadable.length} unreadable item(s) kept for diagnosis (${sample}).`);
      }
      const events = parsed.events;
      const options = {
        receipt: replayKey
          ? // The token is the provider's text: kept as the receipts' column stores it, or a replay would miss its twin.
            { provider: name, key: storableKey(`${name}:${replayKey}`, name), bodyHash: createHash('sha256').update(request.rawBody).digest('hex') }
          : undefined,
      };
      try {
        // The unreadable records are written inside the intake's transaction: they and the events
        // commit together or not at all.
        const result = await getService(strapi, 'intake').apply(events, {
          ...options,
          alsoWrite: unreadable.length > 0 ? () => this.storeUnreadable(name, unreadable, now) : undefined,
        });
        return { status: 200, body: { ok: true, ...result, ...(unreadable.length > 0 ? { unreadable: unreadable.length } : {}) } };
      } catch (error) {
        if (error instanceof ReplayError) {
          strapi.log.warn(`[deliverability] ${NAMES[name]} webhook refused: replayed token.`);
          return { status: 401, body: { ok: false, error: error.message } };
        }
        // The transaction rolled back: nothing was written. A 5xx makes the provider send it again.
        strapi.log.error(`[deliverability] ${NAMES[name]} webhook could not be stored: ${(error as Error).message}`);
        return { status: 503, body: { ok: false, error: 'The events could not be stored; nothing was recorded. Please retry.' } };
      }
    },

    /**
     * Keeps the items of a batch that could not be read, as events with the outcome `unreadable`
     * (shown with the unmatched events): their JSON, cut short, and why. Joins the caller's transaction.
     */
    async storeUnreadable(name: WebhookProviderName, items: UnreadableItem[], now: number): Promise<number> {
      const byKey = new Map<string, UnreadableItem>();
      for (const item of items) byKey.set(unreadableKey(name, item), item);
      // In chunks, as the intake writes: a 4 MB batch can hold thousands, past SQLite's bound-variable limit.
      const keys = [...byKey.keys()];
      for (let i = 0; i < keys.length; i += UNREADABLE_CHUNK) {
        const stored = await table(strapi, UID.event).findMany({ select: ['eventKey'], where: { eventKey: { $in: keys.slice(i, i + UNREADABLE_CHUNK) } } });
        for (const row of stored) byKey.delete(row.eventKey as string);
      }
      if (byKey.size === 0) return 0;
      const at = new Date(now);
      const rows = [...byKey].map(([eventKey, item]) => ({
        eventKey,
        kind: 'ignored',
        outcome: 'unreadable',
        channel: webhookProviders[name].channel,
        provider: name,
        occurredAt: at,
        rawType: `unreadable ${item.position}`.slice(0, 255),
        rawText: item.raw,
        ...eventReason([reasonPart('intake.unreadable', { detail: item.reason })]),
        createdAt: at,
        updatedAt: at,
      }));
      // The intake's transaction, which this joins.
      await strapi.db.transaction(({ trx }: { trx: Knex.Transaction }) => insertRows(strapi, trx, UID.event, rows));
      return rows.length;
    },

    /** SNS asks the endpoint to GET its SubscribeURL once; the URL was checked to be an SNS host by the parser. */
    async confirmSubscription(url: string): Promise<void> {
      const custom = getService(strapi, 'config').get().providers.ses.confirmSubscription;
      if (custom) return custom(url);
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`SNS answered ${response.status}`);
    },
  };
};
