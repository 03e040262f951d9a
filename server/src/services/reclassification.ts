import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { AddressLedgerState } from '../core/decide';
import { DROP_REASONS, type Channel, type DropReason, type NormalizedEvent, type ProviderName, type Severity } from '../core/events';
import { isDecidedKind, isReclassifiable, RECLASSIFIABLE_KINDS, reclassificationRefusal, replayAddress, type HistoryItem, type ReclassifiableKind } from '../core/reclassify';
import { isReasonData, reasonPart, englishReason, type ReasonPart } from '../core/reasons';
import { isSuppressed, type AddressState } from '../core/statuses';
import { AdminApiError } from '../utils/admin-error';
import { withConflictRetry } from '../utils/locks';
import { getService, table, toMs, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';
import type { ReclassifyResult } from '../contract';
import type { Actor } from './audit';
import { ledgerKey } from './ledger';
import { MAX_REASON_LENGTH } from './reactivation';

/**
 * An editor corrects a misread event from Full Logs: the event row takes the corrected kind (the
 * provider's own words stay in its raw fields), the address's state is decided again from its
 * whole history with the correction (core/reclassify.ts), the contact mirrors follow, and an audit
 * entry keeps who, when, why, and the address before and after, all in one transaction under the
 * address's row lock. The message itself is left as it is: "Retry now" re-sends it if it should be.
 */

export interface ReclassifyInput {
  documentId: string;
  kind: string;
  reason: string;
  actor: Actor;
  now?: number;
}

const HISTORY_FIELDS = ['id', 'documentId', 'eventKey', 'logDocumentId', 'kind', 'outcome', 'channel', 'address', 'provider', 'providerMessageId', 'attempt', 'occurredAt', 'rawType', 'rawCode', 'rawText', 'severity', 'dropReason', 'reasonData', 'createdAt'];

/** A provider drop's reason, where the row kept it; else what its decision marked the address (rows before the column). */
function dropReasonOf(row: Row): DropReason | undefined {
  if (typeof row.dropReason === 'string' && (DROP_REASONS as readonly string[]).includes(row.dropReason)) return row.dropReason as DropReason;
  const marked = isReasonData(row.reasonData) ? row.reasonData.find((part) => part.code.startsWith('address.marked.'))?.params?.state : undefined;
  const byState: Partial<Record<AddressState, DropReason>> = { failed: 'bounced', complained: 'complained', unsubscribed: 'unsubscribed', opted_out: 'unsubscribed' };
  return marked ? byState[marked] : undefined;
}

/** A stored event row as the rules read it. */
function eventOf(row: Row, kind: string): NormalizedEvent {
  const event: NormalizedEvent = {
    provider: row.provider as ProviderName,
    channel: row.channel as Channel,
    kind: kind as NormalizedEvent['kind'],
    address: String(row.address ?? ''),
    providerMessageId: (row.providerMessageId as string | null) ?? null,
    correlationId: null,
    attempt: row.attempt === null || row.attempt === undefined ? null : Number(row.attempt),
    eventKey: String(row.eventKey),
    occurredAt: toMs(row.occurredAt)!,
    rawType: String(row.rawType ?? kind),
    rawCode: (row.rawCode as string | null) ?? null,
    rawText: (row.rawText as string | null) ?? null,
    severity: (row.severity as Severity | null) ?? null,
  };
  const dropReason = kind === 'dropped' ? dropReasonOf(row) : undefined;
  if (dropReason) event.dropReason = dropReason;
  return event;
}

/** The address's history in the order things happened, with the corrected event read as `kind`. */
function historyOf(rows: Row[], target: Row, kind: ReclassifiableKind): HistoryItem[] {
  const items: HistoryItem[] = [];
  for (const row of rows) {
    const logDocumentId = (row.logDocumentId as string | null) ?? null;
    if (row.kind === 'send_attempt') {
      if (logDocumentId) items.push({ type: 'attempt', logDocumentId, attempt: Number(row.attempt ?? 1), at: toMs(row.occurredAt)! });
    } else if (isDecidedKind(String(row.kind)) && row.outcome !== 'unreadable') {
      const event = eventOf(row, row.id === target.id ? kind : String(row.kind));
      items.push({ type: 'event', event, logDocumentId, processedAt: toMs(row.createdAt) ?? event.occurredAt });
    }
  }
  return items;
}

function requireReason(raw: string): string {
  const reason = typeof raw === 'string' ? raw.trim() : '';
  if (!reason) throw new AdminApiError(400, 'A reason is required to re-classify an event: say what the provider really meant.');
  if (reason.length > MAX_REASON_LENGTH) throw new AdminApiError(400, `The reason is too long (at most ${MAX_REASON_LENGTH} characters).`);
  return reason;
}

const summary = (state: AddressLedgerState) => ({ state: state.state, reason: state.reason, softBounceCount: state.softBounceCount, exhaustedStreak: state.exhaustedStreak });

export default ({ strapi }: { strapi: Core.Strapi }) => {
  async function loadHistory(channel: Channel, address: string): Promise<{ rows: Row[]; firstAttempts: Map<string, number> }> {
    const rows = await table(strapi, UID.event).findMany({ select: HISTORY_FIELDS, where: { channel, address }, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] });
    const logIds = [...new Set(rows.map((r) => r.logDocumentId as string | null).filter((id): id is string => Boolean(id)))];
    const logs = logIds.length === 0 ? [] : await table(strapi, UID.log).findMany({ select: ['documentId', 'firstAttemptAt'], where: { documentId: { $in: logIds } } });
    const firstAttempts = new Map(logs.filter((l) => l.firstAttemptAt).map((l) => [l.documentId, toMs(l.firstAttemptAt)!] as [string, number]));
    return { rows, firstAttempts };
  }

  /** The event row's corrected kind and the note that says who corrected it and why. */
  async function correctEvent(target: Row, kind: ReclassifiableKind, reason: string, actor: Actor, now: number): Promise<void> {
    const note = reasonPart('event.reclassified', { from: String(target.kind), to: kind, actor: actor.name, note: reason });
    const parts: ReasonPart[] = [...(isReasonData(target.reasonData) ? target.reasonData : []), note];
    await table(strapi, UID.event).update({ where: { id: target.id }, data: { kind, reason: englishReason(parts), reasonData: parts, updatedAt: new Date(now) } });
  }

  async function reclassifyOnce(input: ReclassifyInput, kind: ReclassifiableKind, reason: string, now: number): Promise<ReclassifyResult> {
    // Read outside the transaction: on MySQL a transaction's first plain read fixes what it sees,
    // and it must see what committed while it waited for the address's lock (a new bounce, say).
    const found = await table(strapi, UID.event).findOne({ where: { documentId: input.documentId } });
    if (!found) throw new AdminApiError(404, 'No such event.');
    const channel = found.channel as Channel;
    const address = String(found.address ?? '');
    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      await getService(strapi, 'ledger').lockMany(trx, [{ channel, address }]);
      const target = (await table(strapi, UID.event).findOne({ where: { id: found.id } }))!;
      const refusal = reclassificationRefusal(channel, String(target.kind), kind);
      if (refusal) throw new AdminApiError(target.kind === kind ? 409 : 400, refusal);
      const entry = (await getService(strapi, 'ledger').loadMany([{ channel, address }])).get(ledgerKey(channel, address))!;
      const { rows, firstAttempts } = await loadHistory(channel, address);
      const next = replayAddress(historyOf(rows, target, kind), entry.state, getService(strapi, 'config').get(), firstAttempts);

      await getService(strapi, 'ledger').writeMany([{ entry, next, provider: String(target.provider), logDocumentId: (target.logDocumentId as string | null) ?? null, now }]);
      await correctEvent(target, kind, reason, input.actor, now);
      const stateChanged = next.state !== entry.state.state;
      if (stateChanged) await getService(strapi, 'contacts').applyMirrors([{ channel, address, status: next.state, reason: next.reason, at: now }]);
      const before = { kind: String(target.kind), address: summary(entry.state) };
      const after = { kind, address: summary(next) };
      const audit = await getService(strapi, 'audit').record({
        action: 'reclassify-event',
        actor: input.actor,
        channel,
        address,
        logDocumentId: (target.logDocumentId as string | null) ?? null,
        reason,
        before,
        after,
        at: now,
      });
      return { documentId: input.documentId, channel, address, before, after, auditDocumentId: audit.documentId };
    });
  }

  return {
    async reclassify(input: ReclassifyInput): Promise<ReclassifyResult> {
      const reason = requireReason(input.reason);
      if (!isReclassifiable(input.kind)) throw new AdminApiError(400, `kind must be one of ${RECLASSIFIABLE_KINDS.join(', ')}.`);
      const now = input.now ?? Date.now();
      const result = await withConflictRetry(() => reclassifyOnce(input, input.kind as ReclassifiableKind, reason, now));
      const { before, after, channel, address } = result;
      // After the commit: Strapi webhooks hear only what is stored.
      const [was, is] = [isSuppressed(before.address.state), isSuppressed(after.address.state)];
      if (was !== is) {
        const event = is ? 'deliverability.address.suppressed' : 'deliverability.address.reactivated';
        await getService(strapi, 'outbound-events').announce([{ event, channel, address, state: after.address.state, reason: after.address.reason }]);
      }
      return result;
    },
  };
};
