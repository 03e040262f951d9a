import { createHash } from 'crypto';
import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import type { NormalizedEvent } from '../core/events';
import { MessageInputError, validateMessageInput, type MessageContent, type MessageInput } from '../core/message-input';
import { ADDRESS_STATE_LABELS, isSuppressed, type MessageStatus } from '../core/statuses';
import { eventReason, reasonPart, statusReason } from '../core/reasons';
import type { UnconfirmedHandOff } from '../core/send-failure';
import { correlationIdOf, type SendOutcome, type Transport } from '../transports/types';
import { getService, table, type Row, toIso, toMs, isUniqueViolation } from '../utils/plugin';
import { messageFailed } from './outbound-events';
import { UID } from '../utils/uids';
import type { MessageView } from '../contract';

/**
 * Sending: the outbox (a DeliveryLog written first, as `queued`), the suppression check, the
 * hand-off to a transport, and what a synchronous failure means (through the same rules as a
 * webhook event). The retrier and the admin's "retry now" use `attempt` too.
 *
 * Every write about an attempt is conditional on the caller still holding the message's lease
 * and the message still being due, so a claim that another process took over, or a message that
 * a provider's report finished meanwhile, is never sent again or moved back to `queued`.
 */

/** A send request that cannot be carried out as asked: answered 400 (or 404/409), naming the field. */
export class SendRefusedError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SendRefusedError';
  }
}

export function toMessageView(row: Row): MessageView {
  return {
    id: row.documentId,
    status: row.status as MessageStatus,
    channel: row.channel as string,
    address: row.address as string,
    contact: row.contactDocumentId ? { type: row.contactType as string, documentId: row.contactDocumentId as string } : null,
    source: row.source as string,
    sourceName: (row.sourceName as string | null) ?? null,
    attempts: Number(row.attempts ?? 0),
    nextAttemptAt: toIso(row.nextAttemptAt),
    provider: (row.provider as string | null) ?? null,
    providerMessageId: (row.providerMessageId as string | null) ?? null,
    lastError: (row.lastError as string | null) ?? null,
    reason: (row.statusReason as string | null) ?? null,
    idempotencyKey: (row.idempotencyKey as string | null) ?? null,
    createdAt: toIso(row.createdAt),
  };
}

/** An attempt whose record is written: dropped (the address is suppressed), skipped (no longer ours or no longer due), or ready to hand over. */
type BegunAttempt = { dropped: true; reason: string } | { skipped: true } | { dropped: false; attempt: number; transport: Transport };

/** Who sends: idempotency keys are remembered per caller, so two API tokens never share one. */
export interface SendCaller {
  /** `token:<id>`, `admin:<id>`, or `server` for the host app's own code. */
  scope: string;
}

/** The same request always gives the same hash: keys sorted, the idempotency key itself left out. */
export function requestHashOf(input: MessageInput): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  const { idempotencyKey: _key, ...request } = input;
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('hex');
}

/** Messages an attempt may start from: queued (a fresh send, or a claim that expired), deferred, or an unconfirmed hand-off. */
const STILL_DUE = { $or: [{ status: { $in: ['queued', 'deferred'] } }, { status: 'sent', nextAttemptAt: { $notNull: true } }] };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const logs = () => table(strapi, UID.log);
  const config = () => getService(strapi, 'config').get();
  const leases = () => getService(strapi, 'leases');

  async function resolveRecipient(input: MessageInput): Promise<{ address: string; contact: { type: string; documentId: string } | null }> {
    const contacts = getService(strapi, 'contacts');
    if ('address' in input.to) {
      const [contact] = await contacts.findByAddress(input.channel, input.to.address);
      return { address: input.to.address, contact: contact ? { type: contact.type, documentId: contact.documentId } : null };
    }
    const type = input.to.type ?? contacts.defaultType();
    if (!contacts.source(type)) throw new SendRefusedError(400, 'to.type', `to.type: "${type}" is not a contact type this site uses`);
    const contact = await contacts.find({ type, documentId: input.to.contact });
    if (!contact) throw new SendRefusedError(404, 'to.contact', `to.contact: no contact "${input.to.contact}" of type ${type}`);
    const raw = input.channel === 'email' ? contact.email : contact.mobile;
    const address = raw ? normalizeAddress(input.channel, raw) : null;
    if (!address) {
      throw new SendRefusedError(
        400,
        'to.contact',
        `to.contact: this contact has no usable ${input.channel === 'email' ? 'email address' : 'mobile number'}`,
      );
    }
    return { address, contact: { type, documentId: contact.documentId } };
  }

  function validate(raw: unknown): MessageInput {
    try {
      return validateMessageInput(raw);
    } catch (error) {
      if (error instanceof MessageInputError) throw new SendRefusedError(400, error.field, error.message);
      throw error;
    }
  }

  /** The message an earlier request with this key made, if any; a different request with the key is refused. */
  async function earlierWithKey(scope: string, input: MessageInput, requestHash: string): Promise<Row | null> {
    if (!input.idempotencyKey) return null;
    const existing = await logs().findOne({ where: { idempotencyScope: scope, idempotencyKey: input.idempotencyKey } });
    if (existing && existing.requestHash !== requestHash) {
      throw new SendRefusedError(
        409,
        'idempotencyKey',
        `idempotencyKey: "${input.idempotencyKey}" was already used for a different request (message ${existing.documentId}); use a new key for a new message.`,
      );
    }
    return existing;
  }

  /**
   * The ledger check as an attempt's outcome: the message is dropped, and the drop is on record.
   * Returns the reason recorded, or `null` when the message was no longer ours to drop.
   */
  async function recordDrop(
    row: Row,
    leaseOwner: string,
    state: Parameters<typeof isSuppressed>[0],
    ledgerReason: string | null,
  ): Promise<string | null> {
    const channel = row.channel as 'email' | 'sms';
    const now = Date.now();
    const why = [
      ledgerReason ? reasonPart(`send.droppedBecause.${channel}`, { state, detail: ledgerReason }) : reasonPart(`send.dropped.${channel}`, { state }),
    ];
    const { reason } = eventReason(why);
    return strapi.db.transaction(async () => {
      const { count } = await logs().updateMany({
        where: { id: row.id, leaseOwner, ...STILL_DUE },
        data: {
          status: 'dropped',
          ...statusReason(why),
          nextAttemptAt: null,
          leaseOwner: null,
          leaseExpiresAt: null,
          updatedAt: new Date(now),
        },
      });
      if (count === 0) return null;
      await table(strapi, UID.event).create({
        data: {
          eventKey: `dropped:${row.documentId}:${Number(row.attempts ?? 0) + 1}`,
          logDocumentId: row.documentId,
          kind: 'dropped',
          outcome: 'applied',
          channel,
          address: row.address,
          provider: 'plugin',
          attempt: Number(row.attempts ?? 0) + 1,
          occurredAt: new Date(now),
          rawType: 'suppressed',
          rawCode: state,
          rawText: ledgerReason,
          ...eventReason(why),
        },
      });
      return reason;
    });
  }

  /** The attempt on record before the hand-off, if the message is still ours and still due. */
  async function recordAttempt(row: Row, leaseOwner: string, transport: Transport): Promise<number | null> {
    const attempt = Number(row.attempts ?? 0) + 1;
    const now = Date.now();
    return strapi.db.transaction(async () => {
      const { count } = await logs().updateMany({
        where: { id: row.id, leaseOwner, leaseExpiresAt: { $gt: new Date(now) }, ...STILL_DUE },
        data: {
          status: 'queued',
          attempts: attempt,
          firstAttemptAt: row.firstAttemptAt ?? new Date(now),
          nextAttemptAt: null,
          provider: transport.provider,
          updatedAt: new Date(now),
        },
      });
      if (count === 0) return null;
      // The attempt is on record before the hand-off, so Full Logs show it ahead of the provider's reports.
      await table(strapi, UID.event).create({
        data: {
          eventKey: `attempt:${row.documentId}:${attempt}`,
          logDocumentId: row.documentId,
          kind: 'send_attempt',
          outcome: 'attempt',
          channel: row.channel,
          address: row.address,
          provider: transport.provider,
          attempt,
          occurredAt: new Date(now),
          rawType: 'send',
          ...eventReason([reasonPart('send.handedOff', { attempt, transport: transport.provider })]),
        },
      });
      return attempt;
    });
  }

  async function handOff(row: Row, attempt: number, transport: Transport): Promise<SendOutcome> {
    try {
      return await transport.send({
        channel: row.channel as 'email' | 'sms',
        to: row.address as string,
        content: row.content as MessageContent,
        logDocumentId: row.documentId,
        attempt,
        correlationId: correlationIdOf(row.documentId, attempt),
      });
    } catch (error) {
      // A transport that throws failed before or while building the request: nothing was sent.
      return {
        ok: false,
        provider: transport.provider,
        failure: { kind: 'soft_bounce', severity: 'transient', code: null, text: (error as Error).message },
      };
    }
  }

  /** The provider took the message. */
  async function recordSent(row: Row, leaseOwner: string, attempt: number, outcome: Extract<SendOutcome, { ok: true }>): Promise<void> {
    const sentAt = Date.now();
    await strapi.db.transaction(async () => {
      await logs().updateMany({
        where: { id: row.id },
        data: { provider: outcome.provider, providerMessageId: outcome.providerMessageId, updatedAt: new Date(sentAt) },
      });
      // Only a message still in flight becomes "sent": a fast provider's report may already have said more.
      await logs().updateMany({
        where: { id: row.id, status: 'queued' },
        data: { status: 'sent', ...statusReason([reasonPart('send.handedOff', { attempt, transport: outcome.provider })]) },
      });
      await logs().updateMany({ where: { id: row.id, leaseOwner }, data: { leaseOwner: null, leaseExpiresAt: null } });
      // Later reports may quote this attempt's provider id rather than ours.
      await table(strapi, UID.event).updateMany({
        where: { eventKey: `attempt:${row.documentId}:${attempt}` },
        data: { providerMessageId: outcome.providerMessageId, provider: outcome.provider },
      });
    });
  }

  /**
   * No answer after the request left: the message stays `sent`, marked unconfirmed, and the
   * retrier may send again only if no report has come by the end of the wait (and the retry
   * window is still open; after it, the message stays as it is, for an editor to look at).
   */
  async function recordUnconfirmed(
    row: Row,
    leaseOwner: string,
    attempt: number,
    provider: string,
    unconfirmed: UnconfirmedHandOff,
  ): Promise<void> {
    const now = Date.now();
    const retry = config().retry;
    const waitUntil = now + config().sending.unconfirmedWaitMinutes * 60_000;
    const windowEnd = (toMs(row.firstAttemptAt) ?? now) + retry.windowHours * 3_600_000;
    const nextAttemptAt = waitUntil <= windowEnd ? new Date(waitUntil) : null;
    const params = { attempt, transport: provider, detail: unconfirmed.text };
    const why = [
      nextAttemptAt
        ? reasonPart('send.unconfirmedWaiting', { ...params, at: nextAttemptAt.toISOString() })
        : reasonPart('send.unconfirmedGivenUp', params),
    ];
    await strapi.db.transaction(async () => {
      await logs().updateMany({
        where: { id: row.id, status: 'queued' },
        data: { status: 'sent', nextAttemptAt, ...statusReason(why), lastError: unconfirmed.text, updatedAt: new Date(now) },
      });
      await logs().updateMany({ where: { id: row.id, leaseOwner }, data: { leaseOwner: null, leaseExpiresAt: null } });
      await table(strapi, UID.event).updateMany({
        where: { eventKey: `attempt:${row.documentId}:${attempt}` },
        data: { rawCode: unconfirmed.code, rawText: unconfirmed.text.slice(0, 10_000), ...eventReason(why) },
      });
    });
  }

  /** A definite refusal: judged by the same rules as a provider's report, through the intake. */
  async function recordRefusal(
    row: Row,
    leaseOwner: string,
    attempt: number,
    outcome: Extract<SendOutcome, { failure: unknown }>,
  ): Promise<void> {
    const occurredAt = Date.now();
    const event: NormalizedEvent = {
      provider: (outcome.provider === 'email-plugin' ? 'smtp' : outcome.provider) as NormalizedEvent['provider'],
      channel: row.channel as 'email' | 'sms',
      kind: outcome.failure.kind,
      address: row.address as string,
      providerMessageId: null,
      correlationId: row.documentId,
      attempt,
      eventKey: `attempt-result:${row.documentId}:${attempt}`,
      occurredAt,
      rawType: 'send',
      rawCode: outcome.failure.code,
      rawText: outcome.failure.text,
      severity: outcome.failure.severity,
    };
    await getService(strapi, 'intake').apply([event], { now: occurredAt });
    await logs().updateMany({ where: { id: row.id, leaseOwner }, data: { leaseOwner: null, leaseExpiresAt: null } });
  }

  return {
    /** Sends one message. Returns the log's view; `duplicate` when the idempotency key was seen before with this request. */
    async send(raw: unknown, caller: SendCaller = { scope: 'server' }): Promise<MessageView & { duplicate?: boolean }> {
      const input = validate(raw);
      const requestHash = requestHashOf(input);
      const earlier = await earlierWithKey(caller.scope, input, requestHash);
      if (earlier) return { ...toMessageView(earlier), duplicate: true };
      const { address, contact } = await resolveRecipient(input);
      const lease = leases().create();
      return leases().keepWhile(lease.owner, async () => {
        let row: Row;
        let begun: BegunAttempt;
        try {
          // The message and its first attempt are written in one transaction: a send commits twice
          // (here, and the outcome after the hand-off), not three times. The Query Engine, not the
          // Document Service: this is a hot path, and the unique index on the key is the duplicate check.
          ({ row, begun } = await strapi.db.transaction(async () => {
            const now = new Date();
            const created = await logs().create({
              data: {
                channel: input.channel,
                address,
                contactType: contact?.type ?? null,
                contactDocumentId: contact?.documentId ?? null,
                source: input.source,
                sourceName: input.sourceName,
                status: 'queued',
                attempts: 0,
                content: input.content,
                idempotencyKey: input.idempotencyKey,
                idempotencyScope: input.idempotencyKey ? caller.scope : null,
                requestHash: input.idempotencyKey ? requestHash : null,
                leaseOwner: lease.owner,
                leaseExpiresAt: lease.expiresAt,
                // As the Document Service would set it: the type has no drafts, so every message is published.
                publishedAt: now,
              },
            });
            return { row: created, begun: await this.beginAttempt(created, lease.owner) };
          }));
        } catch (error) {
          // Two requests with the same idempotency key at once: the second finds the first's message.
          if (input.idempotencyKey && isUniqueViolation(error)) {
            const existing = await earlierWithKey(caller.scope, input, requestHash);
            if (existing) return { ...toMessageView(existing), duplicate: true };
          }
          throw error;
        }
        return toMessageView(await this.finishAttempt(row, lease.owner, begun));
      });
    },

    /**
     * Checks the ledger, then hands the message to its transport. The log must be held under
     * `leaseOwner` by the caller. Returns the log as it stands afterwards.
     */
    async attempt(row: Row, leaseOwner: string): Promise<Row> {
      return this.finishAttempt(row, leaseOwner, await this.beginAttempt(row, leaseOwner));
    },

    /**
     * The part of an attempt written before the hand-off: the ledger check (a suppressed address's
     * message is dropped here), then the attempt on record. Both only while `leaseOwner` still
     * holds the message and it is still due; otherwise the attempt is skipped. Joins the caller's
     * transaction, if any.
     */
    async beginAttempt(row: Row, leaseOwner: string): Promise<BegunAttempt> {
      const channel = row.channel as 'email' | 'sms';
      const ledger = await getService(strapi, 'ledger').stateOf(channel, row.address as string);
      if (isSuppressed(ledger.state)) {
        const reason = await recordDrop(row, leaseOwner, ledger.state, ledger.reason);
        return reason === null ? { skipped: true } : { dropped: true, reason };
      }
      const transport = getService(strapi, 'transports').for(channel);
      // Written before the hand-off: a crash from here on leaves a queued message whose lease expires,
      // and the retrier sends it again (at most once more).
      const attempt = await recordAttempt(row, leaseOwner, transport);
      if (attempt === null) {
        strapi.log.debug(`[deliverability] attempt on message ${row.documentId} skipped: its claim was lost or a report finished it`);
        return { skipped: true };
      }
      return { dropped: false, attempt, transport };
    },

    /** The hand-off to the transport, and what came of it. Returns the log as it stands afterwards. */
    async finishAttempt(row: Row, leaseOwner: string, begun: BegunAttempt): Promise<Row> {
      if ('skipped' in begun) return (await logs().findOne({ where: { id: row.id } }))!;
      if (begun.dropped) {
        // Announced here, after the caller's transaction (a new message and its first attempt) committed.
        await getService(strapi, 'outbound-events').announce([messageFailed(row, 'dropped', begun.reason, null)]);
        return (await logs().findOne({ where: { id: row.id } }))!;
      }
      const { attempt, transport } = begun;
      const outcome = await handOff(row, attempt, transport);
      if (outcome.ok) await recordSent(row, leaseOwner, attempt, outcome);
      else if ('unconfirmed' in outcome) await recordUnconfirmed(row, leaseOwner, attempt, outcome.provider, outcome.unconfirmed);
      else await recordRefusal(row, leaseOwner, attempt, outcome);
      return (await logs().findOne({ where: { id: row.id } }))!;
    },

    /** An editor's "retry now": a deferred or failed message is sent again at once, with a fresh retry window. */
    async retryNow(documentId: string, actor: { id: string; name: string }): Promise<MessageView> {
      const row = await logs().findOne({ where: { documentId } });
      if (!row) throw new SendRefusedError(404, 'id', `No message "${documentId}".`);
      if (row.status !== 'deferred' && row.status !== 'failed') {
        throw new SendRefusedError(409, 'status', `Only a deferred or failed message can be retried; this one is ${row.status as string}.`);
      }
      const ledger = await getService(strapi, 'ledger').stateOf(row.channel as 'email' | 'sms', row.address as string);
      if (isSuppressed(ledger.state)) {
        throw new SendRefusedError(
          409,
          'address',
          `The address is ${ADDRESS_STATE_LABELS[ledger.state].toLowerCase()}: reactivate it before retrying.`,
        );
      }
      const lease = leases().create();
      // A failed message is due again by the editor's decision: it goes back to deferred under the claim.
      const claimed = await logs().updateMany({
        where: { id: row.id, status: row.status, $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lt: new Date() } }] },
        data: {
          leaseOwner: lease.owner,
          leaseExpiresAt: lease.expiresAt,
          firstAttemptAt: new Date(),
          status: 'deferred',
          nextAttemptAt: new Date(),
        },
      });
      if (claimed.count === 0) throw new SendRefusedError(409, 'status', 'The message is being sent right now; try again in a moment.');
      await table(strapi, UID.audit).create({
        data: {
          action: 'retry-message',
          channel: row.channel,
          address: row.address,
          logDocumentId: documentId,
          actorId: actor.id,
          actorName: actor.name,
          reason: `Retried by hand from ${row.status as string}.`,
          before: { status: row.status, attempts: row.attempts },
        },
      });
      const fresh = (await logs().findOne({ where: { id: row.id } }))!;
      return toMessageView(await leases().keepWhile(lease.owner, () => this.attempt(fresh, lease.owner)));
    },

    async find(documentId: string): Promise<MessageView | null> {
      const row = await logs().findOne({ where: { documentId } });
      return row ? toMessageView(row) : null;
    },
  };
};
