import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizePhone } from '../core/addresses';
import { INBOUND_RAW_TYPE } from '../core/consent';
import type { NormalizedEvent } from '../core/events';
import { intentOf, keywordTable, type SmsIntent } from '../core/sms-keywords';
import { webhookProviders } from '../providers';
import type { InboundSms } from '../providers/inbound';
import { MalformedPayloadError, UpstreamUnavailableError } from '../providers/shared';
import { parseTwilioInbound } from '../providers/twilio/inbound';
import type { WebhookRequest } from '../providers/types';
import { parseVonageInbound } from '../providers/vonage/inbound';
import { withConflictRetry } from '../utils/locks';
import { getService, table } from '../utils/plugin';
import { UID } from '../utils/uids';
import { ledgerKey } from './ledger';

/**
 * Text messages students send to the site's number: STOP, START and HELP in their own words.
 * Verified exactly as the provider's status callbacks are (same secret, same scheme), then:
 * - STOP (and the other opt-out words): the number is opted out, through the intake and the
 *   decision rules, like a provider-reported opt-out;
 * - START / YES / UNSTOP: an opted-out number is active again. This is the only way an SMS opt-out
 *   is lifted (editors cannot reactivate one: the consent is the student's);
 * - HELP: answered with `inboundSms.helpReply` through the ordinary send path (so it is in Full Logs).
 * Each is a row of the number's consent history, with the words the student sent.
 */

const PARSERS = { twilio: parseTwilioInbound, vonage: parseVonageInbound } as const;
type InboundProvider = keyof typeof PARSERS;
const MAX_WORDS = 1600;

export interface InboundAnswer {
  status: number;
  body: { ok: boolean; error?: string; intent?: SmsIntent | null; duplicate?: boolean };
}

const refuse = (status: number, error: string): InboundAnswer => ({ status, body: { ok: false, error } });

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const certificateCache = new Map<string, string>();

  /** Verification and parsing, with the status callbacks' own answers to a bad request. */
  async function read(name: string, request: WebhookRequest, now: number): Promise<InboundSms | InboundAnswer> {
    if (name !== 'twilio' && name !== 'vonage') return refuse(404, `Inbound messages are taken from twilio and vonage, not "${name}".`);
    const config = getService(strapi, 'config').get();
    const provider = webhookProviders[name];
    const unsigned = config.providers[name].allowUnsigned === true;
    if (!provider.isConfigured(config.providers) && !unsigned) return refuse(503, `${name} webhooks are not configured on this site.`);
    if (provider.maxBodyBytes !== undefined && request.rawBody.length > provider.maxBodyBytes) return refuse(413, 'Request too large.');
    try {
      if (!unsigned) {
        const verdict = await provider.verify(request, { settings: config.providers, now, maxAgeSeconds: config.webhooks.maxAgeSeconds, certificateCache });
        if (!verdict.ok) return refuse(verdict.status, verdict.reason);
      }
      return PARSERS[name as InboundProvider](request, now);
    } catch (error) {
      if (error instanceof MalformedPayloadError) return refuse(400, `Malformed ${name} inbound message: ${error.message}`);
      if (error instanceof UpstreamUnavailableError) return refuse(503, error.message);
      throw error;
    }
  }

  /** One consent row, unless this inbound message was recorded already (a redelivery). Joins the caller's transaction. */
  async function recordConsent(sms: InboundSms, address: string, action: SmsIntent, eventKey: string): Promise<boolean> {
    const written = await getService(strapi, 'consent').record([
      { channel: 'sms', address, action, via: 'sms_keyword', actor: 'student', words: sms.text.slice(0, MAX_WORDS), provider: sms.provider, eventKey, occurredAt: sms.receivedAt },
    ]);
    return written > 0;
  }

  /** STOP: an opt-out event through the intake (the rules, the ledger, the mirrors), with its consent row in the same transaction. */
  async function optOut(sms: InboundSms, address: string, eventKey: string): Promise<void> {
    const event: NormalizedEvent = {
      provider: sms.provider,
      channel: 'sms',
      kind: 'opt_out',
      address,
      providerMessageId: null,
      correlationId: null,
      attempt: null,
      eventKey,
      occurredAt: sms.receivedAt,
      rawType: INBOUND_RAW_TYPE,
      rawCode: null,
      rawText: sms.text.slice(0, MAX_WORDS),
      severity: 'permanent',
    };
    await getService(strapi, 'intake').apply([event], { alsoWrite: () => recordConsent(sms, address, 'opt_out', eventKey) });
  }

  /** START: lifts an opt-out (and only an opt-out) under the number's row lock; events older than it are history. */
  async function optIn(sms: InboundSms, address: string, eventKey: string): Promise<void> {
    const reason = 'Opted back in: the student texted START.';
    const lifted = await withConflictRetry(() =>
      strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        await getService(strapi, 'ledger').lockMany(trx, [{ channel: 'sms', address }]);
        if (!(await recordConsent(sms, address, 'opt_in', eventKey))) return false;
        const entry = (await getService(strapi, 'ledger').loadMany([{ channel: 'sms', address }])).get(ledgerKey('sms', address))!;
        if (entry.id === null || entry.state.state !== 'opted_out') return false;
        const at = new Date(sms.receivedAt);
        await table(strapi, UID.address).update({
          where: { id: entry.id },
          data: { state: 'active', reason, providerCode: null, stateEventKey: null, stateEventAt: null, stateLogDocumentId: null, stateChangedAt: at, reactivatedAt: at, reactivatedBy: 'student (SMS)', reactivationReason: sms.text.slice(0, MAX_WORDS), updatedAt: new Date() },
        });
        await getService(strapi, 'contacts').applyMirror('sms', address, { status: 'active', reason, at: sms.receivedAt });
        return true;
      }),
    );
    if (lifted) await getService(strapi, 'outbound-events').announce([{ event: 'deliverability.address.reactivated', channel: 'sms', address, state: 'active', reason }]);
  }

  /** HELP: recorded, then answered through the send path (idempotent on the inbound message, so a redelivery sends nothing twice). */
  async function help(sms: InboundSms, address: string, eventKey: string): Promise<void> {
    await strapi.db.transaction(() => recordConsent(sms, address, 'help', eventKey));
    const reply = getService(strapi, 'config').get().inboundSms.helpReply;
    if (!reply) return;
    await getService(strapi, 'messages').send({ channel: 'sms', to: { address }, body: reply, source: 'api', sourceName: 'HELP reply', idempotencyKey: `help-reply:${eventKey}` });
  }

  return {
    async receive(name: string, request: WebhookRequest): Promise<InboundAnswer> {
      const now = Date.now();
      const sms = await read(name, request, now);
      if ('status' in sms) return sms;
      const config = getService(strapi, 'config').get();
      const address = normalizePhone(sms.from);
      if (!address) return refuse(400, `Malformed ${name} inbound message: the sender is not a phone number.`);
      const intent = intentOf(sms.text, keywordTable(config.inboundSms.words));
      const eventKey = `${sms.provider}:inbound:${sms.messageId}`;
      if (intent === 'opt_out') await optOut(sms, address, eventKey);
      else if (intent === 'opt_in') await optIn(sms, address, eventKey);
      else if (intent === 'help') await help(sms, address, eventKey);
      // Not a keyword: a person's message, for a person to read; the plugin keeps nothing of it.
      if (intent) strapi.log.info(`[deliverability] ${name} inbound ${intent} recorded.`);
      return { status: 200, body: { ok: true, intent } };
    },
  };
};
