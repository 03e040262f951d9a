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
import type { PendingReactivation, ProviderLift } from '../contract';

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

/** A reactivation's input, checked: the channel, the normalized address and the trimmed reason. */
export interface CheckedReactivation {
  channel: Channel;
  address: string;
  reason: string;
  actor: Actor;
  now: number;
}

/** 400 for a missing or too long reason, an unknown channel or an unreadable address. */
export function checkReactivationInput(input: ReactivationInput): CheckedReactivation {
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
  return { channel, address, reason, actor: input.actor, now: input.now ?? Date.now() };
}

/**
 * 404 for an address the plugin never recorded, 409 for an SMS opt-out (the student's to lift) or
 * an address with nothing to reset. `confirmed`: the student has just confirmed it, so an address
 * that became active meanwhile (a START, another editor) is simply reset again.
 */
function checkReactivable(row: Row | null, address: string, confirmed: boolean): LedgerSnapshot {
  if (!row)
    throw new AdminApiError(404, `The plugin has no record of ${address}: it has never been suppressed, so there is nothing to reactivate.`);
  const before = snapshot(row);
  // Consent is the student's to give back: an SMS opt-out is lifted only by their START.
  if (before.state === 'opted_out') {
    throw new AdminApiError(409, `${address} opted out of SMS: only the student can opt back in, by texting START to the site's number.`);
  }
  const nothingToReset = before.softBounceCount === 0 && before.exhaustedStreak === 0 && before.bounceScore === 0;
  if (before.state === 'active' && nothingToReset && !confirmed) throw new AdminApiError(409, `${address} is already active.`);
  return before;
}

type Committed = Omit<ReactivationResult, 'providerLifts'>;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /**
   * The ledger row back to `active`, the contacts' mirrors and the audit entry. Joins the caller's
   * transaction (a confirmed verification commits with it). The row is locked before it is read:
   * an event being applied to this address either commits first (and its effect is what the
   * editor resets) or waits and then sees the reactivation.
   */
  async function activate(trx: Knex.Transaction, checked: CheckedReactivation, confirmed: boolean): Promise<Committed> {
    const { channel, address, reason, actor, now } = checked;
    const stamp = new Date(now);
    const ledgerReason = `Reactivated by ${actor.name}: ${reason}`;
    await getService(strapi, 'ledger').lockMany(trx, [{ channel, address }]);
    const row = await table(strapi, UID.address).findOne({ where: { channel, address } });
    const before = checkReactivable(row, address, confirmed);
    const updated = await table(strapi, UID.address).update({
      where: { id: row!.id },
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
        reactivatedBy: actor.name.slice(0, 255),
        reactivationReason: reason,
        updatedAt: stamp,
      },
    });
    if (!updated) throw new Error(`The ledger row of ${address} disappeared during reactivation.`);
    const after = snapshot(updated);
    const contactsUpdated = await getService(strapi, 'contacts').applyMirror(channel, address, { status: 'active', reason: ledgerReason, at: now });
    const audit = await getService(strapi, 'audit').record({ action: 'reactivate-address', actor, channel, address, reason, before, after, at: now });
    return { channel, address, before, after, contactsUpdated, auditDocumentId: audit.documentId };
  }

  /** The providers' lists (suppression-push.ts), never inside a transaction. A failure leaves the drift report to show what is still listed. */
  async function liftAtProviders(checked: CheckedReactivation, before: AddressState): Promise<ProviderLift[]> {
    const { channel, address, actor, reason } = checked;
    return getService(strapi, 'suppression-push')
      .liftEverywhere({ channel, address, before, actor, reason })
      .catch((error: Error): ProviderLift[] => {
        strapi.log.error(`[deliverability] lifting a reactivated address at the providers failed: ${error.message}`);
        return [];
      });
  }

  /** After the commit, outside the transaction: the providers' lists, then Strapi webhooks. */
  async function afterCommit(committed: Committed, checked: CheckedReactivation): Promise<ReactivationResult> {
    const { channel, address } = checked;
    const providerLifts = await liftAtProviders(checked, committed.before.state);
    // Strapi webhooks hear only what is stored.
    await getService(strapi, 'outbound-events').announce([
      { event: 'deliverability.address.reactivated', channel, address, state: 'active', reason: committed.after.reason },
    ]);
    return { ...committed, providerLifts };
  }

  return {
    /**
     * Reactivates at once, or, with `reactivation.requireVerification`, checks that it could and
     * sends the student a verification instead (services/verification.ts): the address stays as it
     * is until they confirm.
     */
    async reactivate(input: ReactivationInput): Promise<ReactivationResult | PendingReactivation> {
      const checked = checkReactivationInput(input);
      if (getService(strapi, 'config').get().reactivation.requireVerification) {
        const verification = getService(strapi, 'verification');
        // Asking again (a link that expired, a locked code) sends a new one for the same purpose.
        const pending = await verification.pendingFor(checked.channel, checked.address);
        const row = await table(strapi, UID.address).findOne({ where: { channel: checked.channel, address: checked.address } });
        if (!pending) checkReactivable(row, checked.address, false);
        // Lifted at the providers first: a provider that still lists the address would drop the
        // verification itself. The plugin's own ledger goes on holding every other message back.
        const providerLifts = row ? await liftAtProviders(checked, row.state as AddressState) : [];
        return { verification: await verification.request({ ...checked, purpose: pending?.purpose ?? 'reactivation' }), providerLifts };
      }
      const committed = await withConflictRetry(() =>
        strapi.db.transaction(({ trx }: { trx: Knex.Transaction }) => activate(trx, checked, false)),
      );
      return afterCommit(committed, checked);
    },

    /** The confirmed half of a verified reactivation: `activate` inside the caller's transaction, `afterCommit` once it committed. */
    activate,
    afterCommit,
  };
};
