import type { Core } from '@strapi/strapi';
import type { AddressLedgerState } from '../core/decide';
import type { Channel } from '../core/events';
import { DEFAULT_BULK_CATEGORY, carriesOneClickUnsubscribe } from '../core/categories';
import {
  listUnsubscribeHeaders,
  maskAddress,
  oneClickEvent,
  offersOneClickUnsubscribe,
  parseUnsubscribeToken,
  signUnsubscribeToken,
  verifyUnsubscribeToken,
} from '../core/unsubscribe';
import type { UnsubscribePage } from '../core/unsubscribe-page';
import { getService, table, type Row } from '../utils/plugin';
import { PLUGIN_ID, UID } from '../utils/uids';
import { restPrefix } from '../utils/webhook-path';
import { ledgerKey } from './ledger';

/**
 * One-click unsubscribe (RFC 8058): the List-Unsubscribe headers of bulk email, and the public
 * link they point to. The link's GET only shows a page; its POST records an `unsubscribe` event of
 * the message through the intake (Full Logs, the ledger, the contact's badge, the reports), as a
 * provider's unsubscribe report would be.
 */

/** What the public routes answer: an HTTP status and the page to show. */
export interface UnsubscribeAnswer {
  status: number;
  page: UnsubscribePage;
}

/** The message a valid token names, as far as the link needs it. */
interface LinkedMessage {
  channel: Channel;
  address: string;
  logDocumentId: string;
}

type Checked = { ok: true; message: LinkedMessage } | { ok: false; answer: UnsubscribeAnswer };

/** Requests handled at once by one process; more are told to come back (bounds what a flood of forged links costs). */
const MAX_IN_FLIGHT = 16;
const DAY_MS = 86_400_000;

const refusal = (status: number, kind: 'invalid' | 'expired' | 'unavailable'): Checked => ({ ok: false, answer: { status, page: { kind } } });

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = () => getService(strapi, 'config').get();
  const warned = new Set<string>();
  let inFlight = 0;

  /** At the first bulk hand-off without the headers, once a process (the boot said it too; a log search may start here). */
  function warnOnce(what: string, text: string): void {
    if (warned.has(what)) return;
    warned.add(what);
    strapi.log.warn(`[deliverability] ${text}`);
  }

  /**
   * Whether the message's category carries one-click unsubscribe (core/categories.ts): marketing
   * does, a critical or transactional bulk send does not. A bulk message queued before categories
   * has none, and is marketing, as every bulk send was.
   */
  function categoryCarriesOneClick(category: unknown): boolean {
    return carriesOneClickUnsubscribe(config().categories, typeof category === 'string' && category !== '' ? category : DEFAULT_BULK_CATEGORY);
  }

  /** Why bulk email cannot carry one-click unsubscribe here, or null when it can. */
  function missingSetting(): { what: string; text: string } | null {
    const c = config();
    if (!c.unsubscribe.secret) {
      return { what: 'secret', text: 'unsubscribe.secret (DELIVERABILITY_UNSUBSCRIBE_SECRET) is not set: bulk email goes out WITHOUT List-Unsubscribe headers, which Gmail and Yahoo require of bulk senders.' };
    }
    if (!c.publicUrl) {
      return { what: 'publicUrl', text: 'publicUrl (DELIVERABILITY_PUBLIC_URL) is not set: bulk email goes out WITHOUT List-Unsubscribe headers, which need the public address of this site.' };
    }
    return null;
  }

  const linkPath = (): string => `${restPrefix(strapi)}/${PLUGIN_ID}/unsubscribe`;

  /** The message the token names, read after the token's form and expiry were checked. */
  async function messageOf(logDocumentId: string): Promise<Row | null> {
    return table(strapi, UID.log).findOne({ select: ['id', 'documentId', 'channel', 'address'], where: { documentId: logDocumentId } });
  }

  async function check(tokenText: unknown): Promise<Checked> {
    const secret = config().unsubscribe.secret;
    if (!secret) return refusal(404, 'invalid');
    const parsed = parseUnsubscribeToken(tokenText, Date.now());
    if (!parsed.ok) return parsed.problem === 'expired' ? refusal(410, 'expired') : refusal(400, 'invalid');
    const row = await messageOf(parsed.token.logDocumentId);
    if (!row || row.channel !== parsed.token.channel) return refusal(404, 'invalid');
    const address = row.address as string;
    if (!verifyUnsubscribeToken(parsed.token, address, [secret, ...config().unsubscribe.previousSecrets])) return refusal(403, 'invalid');
    return { ok: true, message: { channel: parsed.token.channel, address, logDocumentId: row.documentId } };
  }

  /** The address's ledger state as it stands (read without a lock: the intake locks it before it writes). */
  async function addressStateOf(message: LinkedMessage): Promise<AddressLedgerState | null> {
    const ledger = await getService(strapi, 'ledger').loadMany([{ channel: message.channel, address: message.address }]);
    return ledger.get(ledgerKey(message.channel, message.address))?.state ?? null;
  }

  /** Runs `work` unless too many requests are already in hand: then 503, and the client comes back. */
  async function bounded(work: () => Promise<UnsubscribeAnswer>): Promise<UnsubscribeAnswer> {
    if (inFlight >= MAX_IN_FLIGHT) return { status: 503, page: { kind: 'unavailable' } };
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
    }
  }

  return {
    /** At boot: say whether bulk email will carry the headers, so a missing secret is not discovered at Gmail. */
    warnIfDisabled(): void {
      const missing = missingSetting();
      if (missing) strapi.log.warn(`[deliverability] ${missing.text}`);
      else if (!config().publicUrl!.startsWith('https:')) {
        strapi.log.warn('[deliverability] publicUrl is not https: Gmail and Yahoo only honour one-click unsubscribe links that are, so use http for local testing only.');
      }
    },

    /**
     * The headers for a message's hand-off: List-Unsubscribe and List-Unsubscribe-Post for bulk
     * email, with a link that works for `expiryDays`; nothing for other messages, or (with a
     * warning) when the secret or the public URL is missing.
     */
    headersFor(message: { channel: Channel; address: string; documentId: string; bulkSendId?: unknown; category?: unknown }, now = Date.now()): Record<string, string> | undefined {
      if (!offersOneClickUnsubscribe(message) || !categoryCarriesOneClick(message.category)) return undefined;
      const missing = missingSetting();
      if (missing) return void warnOnce(missing.what, missing.text);
      const c = config();
      const claim = { channel: message.channel, logDocumentId: message.documentId, expiresAt: now + c.unsubscribe.expiryDays * DAY_MS };
      const token = signUnsubscribeToken(c.unsubscribe.secret!, claim, message.address);
      return listUnsubscribeHeaders(`${c.publicUrl}${linkPath()}/${token}`, c.unsubscribe.mailto);
    },

    /** GET: the confirmation page. Changes nothing: mail scanners and previewers follow links. */
    async page(tokenText: unknown): Promise<UnsubscribeAnswer> {
      return bounded(async () => {
        const checked = await check(tokenText);
        if (!checked.ok) return checked.answer;
        const maskedAddress = maskAddress(checked.message.address);
        // Only an unsubscribed address is "already unsubscribed": any other (a bounced one, say) may still record the wish.
        if ((await addressStateOf(checked.message))?.state === 'unsubscribed') return { status: 200, page: { kind: 'already', maskedAddress } };
        return { status: 200, page: { kind: 'confirm', action: `${linkPath()}/${String(tokenText)}`, maskedAddress } };
      });
    },

    /** POST with the RFC 8058 body: the address is unsubscribed through the intake. A replay changes nothing. */
    async confirm(tokenText: unknown, oneClick: boolean): Promise<UnsubscribeAnswer> {
      return bounded(async () => {
        const checked = await check(tokenText);
        if (!checked.ok) return checked.answer;
        const { message } = checked;
        if (!oneClick) return { status: 400, page: { kind: 'confirm', action: `${linkPath()}/${String(tokenText)}`, maskedAddress: maskAddress(message.address) } };
        const reactivatedAt = (await addressStateOf(message))?.reactivatedAt ?? null;
        await getService(strapi, 'intake').apply([oneClickEvent(message, Date.now(), reactivatedAt)]);
        strapi.log.info(`[deliverability] one-click unsubscribe recorded for message ${message.logDocumentId}`);
        return { status: 200, page: { kind: 'done', maskedAddress: maskAddress(message.address) } };
      });
    },
  };
};
