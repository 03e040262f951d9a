import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import { parsePhone } from '../core/phone';
import { CHANNELS, type Channel } from '../core/events';
import type { AddressState } from '../core/statuses';
import { AdminApiError } from '../utils/admin-error';
import { withConflictRetry } from '../utils/locks';
import { getService, table, toMs, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';
import type { Actor } from './audit';
import type { ProviderLift } from '../contract';

/**
 * Reactivation: an editor decides that a suppressed (or soft-bouncing) address may be used again.
 * The ledger row goes back to `active` with its counters reset, every contact's mirror follows,
 * and an audit entry records who, when, why, and the state before and after, all in one
 * transaction. `reactivatedAt` also tells the decision rules to treat any provider event older
 * than this moment as history, so a late copy of the old bounce cannot undo the editor's decision.
 */

export interface ReactivationInput {
  channel: string;
  address: string;
  reason: string;
  actor: Actor;
  /** Epoch milliseconds; defaults to now. */
  now?: number;
}

/** The part of a ledger row that the audit entry keeps, before and after. */
export interface LedgerSnapshot {
  state: AddressState;
  reason: string | null;
  providerCode: string | null;
  stateChangedAt: string | null;
  softBounceCount: number;
  exhaustedStreak: number;
  bounceScore: number;
}

export interface ReactivationResult {
  channel: Channel;
  address: string;
  before: LedgerSnapshot;
  after: LedgerSnapshot;
  contactsUpdated: number;
  auditDocumentId: string;
  /** Whether each provider that suppressed the address lifted it (after the commit). */
  providerLifts: ProviderLift[];
}

/** Longest reason kept: enough for a sentence or two, not a pasted email thread. */
export const MAX_REASON_LENGTH = 1000;

function snapshot(row: Row): LedgerSnapshot {
  const ms = toMs(row.stateChangedAt);
  return {
    state: row.state as AddressState,
    reason: (row.reason as string | null) ?? null,
    providerCode: (row.providerCode as string | null) ?? null,
    stateChangedAt: ms === null ? null : new Date(ms).toISOString(),
    softBounceCount: Number(row.softBounceCount ?? 0),
    exhaustedStreak: Number(row.exhaustedStreak ?? 0),
    bounceScore: Number(row.bounceScore ?? 0),
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async reactivate(input: ReactivationInput): Promise<ReactivationResult> {
    const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
    if (!reason) throw new AdminApiError(400, 'A reason is required to reactivate an address: say why it can be used again.');
    if (reason.length > MAX_REASON_LENGTH)
      throw new AdminApiError(400, `The reason is too long (at most ${MAX_REASON_LENGTH} characters).`);
    if (!(CHANNELS as readonly string[]).includes(input.channel)) {
      throw new AdminApiError(400, `Unknown channel "${input.channel}": use ${CHANNELS.join(' or ')}.`);
    }
    const channel = input.channel as Channel;
    const address = typeof input.address === 'string' ? normalizeAddress(channel, input.address) : null;
    if (!address) {
      const phone = channel === 'sms' && typeof input.address === 'string' ? parsePhone(input.address) : null;
      throw new AdminApiError(
        400,
        channel === 'email'
          ? 'That is not a valid email address.'
          : `That is not a mobile number the plugin can read${phone && !phone.ok ? `: it ${phone.reason}` : ''} (such as +447700900123).`,
      );
    }
    const now = input.now ?? Date.now();
    const stamp = new Date(now);
    const ledgerReason = `Reactivated by ${input.actor.name}: ${reason}`;

    // The row is locked before it is read: an event being applied to this address either commits
    // first (and its effect is what the editor resets) or waits and then sees the reactivation.
    const reactivateOnce = () =>
      strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        await getService(strapi, 'ledger').lockMany(trx, [{ channel, address }]);
        const row = await table(strapi, UID.address).findOne({ where: { channel, address } });
        if (!row)
          throw new AdminApiError(
            404,
            `The plugin has no record of ${address}: it has never been suppressed, so there is nothing to reactivate.`,
          );
        const before = snapshot(row);
        const nothingToReset = before.softBounceCount === 0 && before.exhaustedStreak === 0 && before.bounceScore === 0;
        if (before.state === 'active' && nothingToReset) {
          throw new AdminApiError(409, `${address} is already active.`);
        }
        const updated = await table(strapi, UID.address).update({
          where: { id: row.id },
          data: {
            state: 'active',
            reason: ledgerReason,
            providerCode: null,
            // An active address was decided by nobody's event; the decision rules compare new events with these.
            stateEventKey: null,
            stateEventAt: null,
            stateLogDocumentId: null,
            stateChangedAt: stamp,
            softBounceCount: 0,
            exhaustedStreak: 0,
            bounceScore: 0,
            reactivatedAt: stamp,
            reactivatedBy: input.actor.name.slice(0, 255),
            reactivationReason: reason,
            updatedAt: stamp,
          },
        });
        if (!updated) throw new Error(`The ledger row of ${address} disappeared during reactivation.`);
        const after = snapshot(updated);
        const contactsUpdated = await getService(strapi, 'contacts').applyMirror(channel, address, {
          status: 'active',
          reason: ledgerReason,
          at: now,
        });
        const audit = await getService(strapi, 'audit').record({
          action: 'reactivate-address',
          actor: input.actor,
          channel,
          address,
          reason,
          before,
          after,
          at: now,
        });
        return { channel, address, before, after, contactsUpdated, auditDocumentId: audit.documentId };
      });
    const committed = await withConflictRetry(reactivateOnce);
    // After the commit, outside the transaction: the providers' lists (suppression-push.ts).
    const providerLifts = await getService(strapi, 'suppression-push')
      .liftEverywhere({ channel, address, before: committed.before.state, actor: input.actor, reason })
      .catch((error: Error): ProviderLift[] => {
        // The reactivation stands (it committed); the drift report shows what is still listed.
        strapi.log.error(`[deliverability] lifting a reactivated address at the providers failed: ${error.message}`);
        return [];
      });
    const result = { ...committed, providerLifts };
    // After the commit: Strapi webhooks hear only what is stored.
    await getService(strapi, 'outbound-events').announce([
      { event: 'deliverability.address.reactivated', channel, address, state: 'active', reason: ledgerReason },
    ]);
    return result;
  },
});
