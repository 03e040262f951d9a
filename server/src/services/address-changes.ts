import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import { CHANNELS, type Channel } from '../core/events';
import type { AuditView } from '../contract';
import { getService, table } from '../utils/plugin';
import { UID } from '../utils/uids';
import { actorOf, auditView, type Actor } from './audit';
import { addressField, type ContactRef, type ContactSource } from './contacts';
import type { DocumentsContext } from './contact-index';

/**
 * Fixing an address: when a student whose address failed (or is suppressed or soft-bouncing) gets
 * a new one, the new address is judged by its own ledger entry (clean, unless it failed before)
 * and the old one stays suppressed: the ledger belongs to addresses, not to people. This records
 * the change in the student's Full Logs as an audit entry (`change-address`): the old address and
 * its state, the new one and its state, and who changed it.
 */

type Addresses = Partial<Record<Channel, string | null>>;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** Whoever is signed in to the admin for this request, else the API or a script. */
  function requestActor(): Actor {
    const user = (strapi.requestContext?.get() as { state?: { user?: unknown } } | undefined)?.state?.user;
    return actorOf(user as Parameters<typeof actorOf>[0]) ?? { id: 'api', name: 'API or script' };
  }

  async function addressesOf(source: ContactSource, documentId: string): Promise<Addresses> {
    const row = await table(strapi, source.uid).findOne({ where: { documentId } });
    const found: Addresses = {};
    for (const channel of CHANNELS) {
      const field = addressField(source, channel);
      const raw = field ? row?.[field] : null;
      found[channel] = typeof raw === 'string' ? normalizeAddress(channel, raw) : null;
    }
    return found;
  }

  async function recordChanges(ref: ContactRef, before: Addresses, after: Addresses): Promise<void> {
    const ledger = getService(strapi, 'ledger');
    for (const channel of CHANNELS) {
      const old = before[channel] ?? null;
      if (!old || old === (after[channel] ?? null)) continue;
      const oldState = await ledger.stateOf(channel, old);
      if (oldState.state === 'active') continue;
      const next = after[channel] ?? null;
      const newState = next ? (await ledger.stateOf(channel, next)).state : null;
      await getService(strapi, 'audit').record({
        action: 'change-address',
        actor: requestActor(),
        channel,
        address: old,
        reason: next
          ? `Changed to ${next}; ${old} stays ${oldState.state.replace('_', ' ')}.`
          : `Removed; ${old} stays ${oldState.state.replace('_', ' ')}.`,
        before: { address: old, state: oldState.state },
        after: { address: next, state: newState },
        contact: ref,
      });
      if (next) await askToConfirm(ref, channel, next, old);
    }
  }

  /** With `reactivation.requireVerification`, the new address is held until its student confirms it (services/verification.ts). */
  async function askToConfirm(ref: ContactRef, channel: Channel, next: string, old: string): Promise<void> {
    if (!getService(strapi, 'config').get().reactivation.requireVerification) return;
    await getService(strapi, 'verification').request({
      channel,
      address: next,
      reason: `New address, replacing ${old}.`,
      actor: requestActor(),
      now: Date.now(),
      purpose: 'address-change',
      contact: ref,
    });
  }

  return {
    /** A Document Service middleware: an update of a contact that changes a non-active address is recorded. */
    middleware() {
      return async (context: DocumentsContext, next: () => Promise<unknown>): Promise<unknown> => {
        const documentId = (context.params as { documentId?: unknown } | undefined)?.documentId;
        const source =
          context.action === 'update' && typeof documentId === 'string' ? getService(strapi, 'contacts').source(context.uid) : null;
        if (!source || typeof documentId !== 'string') return next();
        const before = await addressesOf(source, documentId);
        const result = await next();
        await recordChanges({ type: source.uid, documentId }, before, await addressesOf(source, documentId));
        return result;
      };
    },

    /** A student's address changes, newest first (their Full Logs). */
    async forContact(ref: ContactRef, limit = 20): Promise<AuditView[]> {
      const rows = await table(strapi, UID.audit).findMany({
        where: { action: 'change-address', contactType: ref.type, contactDocumentId: ref.documentId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        limit,
      });
      return rows.map(auditView);
    },
  };
};
