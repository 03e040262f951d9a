import { hostname } from 'os';
import { randomUUID } from 'crypto';
import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import type { NormalizedEvent } from '../core/events';
import { MessageInputError, validateMessageInput, type MessageContent, type MessageInput } from '../core/message-input';
import { ADDRESS_STATE_LABELS, isSuppressed, type MessageStatus } from '../core/statuses';
import { correlationIdOf, type SendOutcome, type Transport } from '../transports/types';
import { getService, table, type Row, toIso, isUniqueViolation } from '../utils/plugin';
import { UID } from '../utils/uids';

/**
 * Sending: the outbox (a DeliveryLog written first, as `queued`), the suppression check, the
 * hand-off to a transport, and what a synchronous failure means (through the same rules as a
 * webhook event). The retrier and the admin's "retry now" use `attempt` too.
 */

export interface MessageView {
  id: string;
  status: MessageStatus;
  channel: string;
  address: string;
  contact: { type: string; documentId: string } | null;
  source: string;
  sourceName: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  createdAt: string | null;
}

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

/** An attempt whose record is written: dropped (the address is suppressed), or ready to hand over. */
type BegunAttempt = { dropped: true } | { dropped: false; attempt: number; transport: Transport };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** Identifies this process in leases, so that a claim is never mistaken for another's. */
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const logs = () => table(strapi, UID.log);
  const config = () => getService(strapi, 'config').get();

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

  async function leaseFor(seconds: number): Promise<{ owner: string; expiresAt: Date }> {
    return { owner: `${instanceId}:${randomUUID().slice(0, 8)}`, expiresAt: new Date(Date.now() + seconds * 1000) };
  }

  return {
    instanceId,

    /** Sends one message. Returns the log's view; `duplicate` when the idempotency key was seen before. */
    async send(raw: unknown): Promise<MessageView & { duplicate?: boolean }> {
      let input: MessageInput;
      try {
        input = validateMessageInput(raw);
      } catch (error) {
        if (error instanceof MessageInputError) throw new SendRefusedError(400, error.field, error.message);
        throw error;
      }
      if (input.idempotencyKey) {
        const existing = await logs().findOne({ where: { idempotencyKey: input.idempotencyKey } });
        if (existing) return { ...toMessageView(existing), duplicate: true };
      }
      const { address, contact } = await resolveRecipient(input);
      const lease = await leaseFor(config().retrier.leaseSeconds);
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
              leaseOwner: lease.owner,
              leaseExpiresAt: lease.expiresAt,
              // As the Document Service would set it: the type has no drafts, so every message is published.
              publishedAt: now,
            },
          });
          return { row: created, begun: await this.beginAttempt(created) };
        }));
      } catch (error) {
        // Two requests with the same idempotency key at once: the second finds the first's message.
        if (input.idempotencyKey && isUniqueViolation(error)) {
          const existing = await logs().findOne({ where: { idempotencyKey: input.idempotencyKey } });
          if (existing) return { ...toMessageView(existing), duplicate: true };
        }
        throw error;
      }
      return toMessageView(await this.finishAttempt(row, lease.owner, begun));
    },

    /**
     * Checks the ledger, then hands the message to its transport. The log must be held under
     * `leaseOwner` by the caller. Returns the log as it stands afterwards.
     */
    async attempt(row: Row, leaseOwner: string): Promise<Row> {
      return this.finishAttempt(row, leaseOwner, await this.beginAttempt(row));
    },

    /**
     * The part of an attempt written before the hand-off: the ledger check (a suppressed address's
     * message is dropped here), then the attempt on record. Joins the caller's transaction, if any.
     */
    async beginAttempt(row: Row): Promise<BegunAttempt> {
      const channel = row.channel as 'email' | 'sms';
      const address = row.address as string;
      const now = Date.now();
      const ledger = await getService(strapi, 'ledger').stateOf(channel, address);
      if (isSuppressed(ledger.state)) {
        const reason = `Not sent: the ${channel === 'sms' ? 'number' : 'address'} is ${ADDRESS_STATE_LABELS[ledger.state].toLowerCase()}${ledger.reason ? ` (${ledger.reason})` : ''}.`;
        await strapi.db.transaction(async () => {
          await logs().updateMany({
            where: { id: row.id },
            data: {
              status: 'dropped',
              statusReason: reason,
              nextAttemptAt: null,
              leaseOwner: null,
              leaseExpiresAt: null,
              updatedAt: new Date(now),
            },
          });
          await table(strapi, UID.event).create({
            data: {
              eventKey: `dropped:${row.documentId}:${Number(row.attempts ?? 0) + 1}`,
              logDocumentId: row.documentId,
              kind: 'dropped',
              outcome: 'applied',
              channel,
              address,
              provider: 'plugin',
              attempt: Number(row.attempts ?? 0) + 1,
              occurredAt: new Date(now),
              rawType: 'suppressed',
              rawCode: ledger.state,
              rawText: ledger.reason,
              reason,
            },
          });
        });
        return { dropped: true };
      }

      const attempt = Number(row.attempts ?? 0) + 1;
      const transport = getService(strapi, 'transports').for(channel);
      // Written before the hand-off: a crash from here on leaves a queued message whose lease expires,
      // and the retrier sends it again (at most once more).
      await strapi.db.transaction(async () => {
        await logs().updateMany({
          where: { id: row.id },
          data: {
            status: 'queued',
            attempts: attempt,
            firstAttemptAt: row.firstAttemptAt ?? new Date(now),
            nextAttemptAt: null,
            provider: transport.provider,
            updatedAt: new Date(now),
          },
        });
        // The attempt is on record before the hand-off, so Full Logs show it ahead of the provider's reports.
        await table(strapi, UID.event).create({
          data: {
            eventKey: `attempt:${row.documentId}:${attempt}`,
            logDocumentId: row.documentId,
            kind: 'send_attempt',
            outcome: 'attempt',
            channel,
            address,
            provider: transport.provider,
            attempt,
            occurredAt: new Date(now),
            rawType: 'send',
            reason: `Attempt ${attempt} handed to ${transport.provider}.`,
          },
        });
      });
      return { dropped: false, attempt, transport };
    },

    /** The hand-off to the transport, and what came of it. Returns the log as it stands afterwards. */
    async finishAttempt(row: Row, leaseOwner: string, begun: BegunAttempt): Promise<Row> {
      if (begun.dropped) return (await logs().findOne({ where: { id: row.id } }))!;
      const { attempt, transport } = begun;
      const channel = row.channel as 'email' | 'sms';
      const address = row.address as string;
      let outcome: SendOutcome;
      try {
        outcome = await transport.send({
          channel,
          to: address,
          content: row.content as MessageContent,
          logDocumentId: row.documentId,
          attempt,
          correlationId: correlationIdOf(row.documentId, attempt),
        });
      } catch (error) {
        outcome = {
          ok: false,
          provider: transport.provider,
          failure: { kind: 'soft_bounce', severity: 'transient', code: null, text: (error as Error).message },
        };
      }

      const sentAt = Date.now();
      if (outcome.ok) {
        await strapi.db.transaction(async () => {
          await logs().updateMany({
            where: { id: row.id },
            data: {
              provider: outcome.provider,
              providerMessageId: outcome.ok ? outcome.providerMessageId : null,
              updatedAt: new Date(sentAt),
            },
          });
          // Only a message still in flight becomes "sent": a fast provider's report may already have said more.
          await logs().updateMany({
            where: { id: row.id, status: 'queued' },
            data: { status: 'sent', statusReason: `Attempt ${attempt} handed to ${outcome.provider}.` },
          });
          await logs().updateMany({ where: { id: row.id, leaseOwner }, data: { leaseOwner: null, leaseExpiresAt: null } });
          // Later reports may quote this attempt's provider id rather than ours.
          await table(strapi, UID.event).updateMany({
            where: { eventKey: `attempt:${row.documentId}:${attempt}` },
            data: { providerMessageId: outcome.ok ? outcome.providerMessageId : null, provider: outcome.provider },
          });
        });
      } else {
        const event: NormalizedEvent = {
          provider: (outcome.provider === 'email-plugin' ? 'smtp' : outcome.provider) as NormalizedEvent['provider'],
          channel,
          kind: outcome.failure.kind,
          address,
          providerMessageId: null,
          correlationId: row.documentId,
          attempt,
          eventKey: `attempt-result:${row.documentId}:${attempt}`,
          occurredAt: sentAt,
          rawType: 'send',
          rawCode: outcome.failure.code,
          rawText: outcome.failure.text,
          severity: outcome.failure.severity,
        };
        await getService(strapi, 'intake').apply([event], { now: sentAt });
        await logs().updateMany({ where: { id: row.id, leaseOwner }, data: { leaseOwner: null, leaseExpiresAt: null } });
      }
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
      const lease = await leaseFor(config().retrier.leaseSeconds);
      const claimed = await logs().updateMany({
        where: { id: row.id, status: row.status, $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lt: new Date() } }] },
        data: { leaseOwner: lease.owner, leaseExpiresAt: lease.expiresAt, firstAttemptAt: new Date() },
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
      return toMessageView(await this.attempt(fresh, lease.owner));
    },

    async find(documentId: string): Promise<MessageView | null> {
      const row = await logs().findOne({ where: { documentId } });
      return row ? toMessageView(row) : null;
    },
  };
};
