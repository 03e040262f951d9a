import { createHash } from 'crypto';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import { MessageInputError, checkCategory, validateMessageInput, VERIFICATION_SOURCE, type MessageInput } from '../core/message-input';
import { ADDRESS_STATE_LABELS, type MessageStatus } from '../core/statuses';
import { refusesMessageOf } from '../core/categories';
import { getService, table, type Row, toIso, toMs, isUniqueViolation } from '../utils/plugin';
import { UID } from '../utils/uids';
import type { AttemptOptions, AttemptTally, BegunChunk } from './attempts';
import { statusChangeOf } from './report-rollup';
import type { BulkSendView, MessageView } from '../contract';

/**
 * Sending: validating a request, the outbox (a DeliveryLog written first, as `queued`, with its
 * first attempt in the same transaction), idempotency keys, and an editor's "retry now". The
 * attempts themselves (the suppression check, the hand-off, what the provider answered) are the
 * attempts service's, which the retrier uses too.
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
    category: (row.category as string | null) ?? null,
    fallbackOf: (row.fallbackOf as string | null) ?? null,
    fallbackMessage: (row.fallbackMessage as string | null) ?? null,
  };
}

/** Who sends: idempotency keys are remembered per caller, so two API tokens never share one. */
export interface SendCaller {
  /** `token:<id>`, `admin:<id>`, or `server` for the host app's own code. */
  scope: string;
  /** Set only by services/verification.ts: the message confirms an address, and may reach it while it is suppressed. */
  purpose?: 'verification';
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
  // Without a category or a fallback, the hash is what it was before they existed: a request
  // retried across an upgrade still finds its message.
  const { idempotencyKey: _key, category, fallback, ...rest } = input;
  const request = { ...rest, ...(category ? { category } : {}), ...(fallback ? { fallback } : {}) };
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('hex');
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const logs = () => table(strapi, UID.log);
  const leases = () => getService(strapi, 'leases');
  const attempts = () => getService(strapi, 'attempts');

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
      const input = validateMessageInput(raw);
      checkCategory(input, getService(strapi, 'config').get().categories);
      return input;
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
        let begun: BegunChunk;
        try {
          // The message and its first attempt are written in one transaction: a send commits twice
          // (here, and the outcome after the hand-off), not three times. The Query Engine, not the
          // Document Service: this is a hot path, and the unique index on the key is the duplicate check.
          ({ row, begun } = await strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
            const now = new Date();
            const created = await logs().create({
              data: {
                channel: input.channel,
                address,
                contactType: contact?.type ?? null,
                contactDocumentId: contact?.documentId ?? null,
                source: caller.purpose === 'verification' ? VERIFICATION_SOURCE : input.source,
                sourceName: input.sourceName,
                status: 'queued',
                attempts: 0,
                content: input.content,
                idempotencyKey: input.idempotencyKey,
                idempotencyScope: input.idempotencyKey ? caller.scope : null,
                requestHash: input.idempotencyKey ? requestHash : null,
                category: input.category,
                fallbackContent: input.fallback,
                leaseOwner: lease.owner,
                leaseExpiresAt: lease.expiresAt,
                // As the Document Service would set it: the type has no drafts, so every message is published.
                publishedAt: now,
              },
            });
            await getService(strapi, 'report-rollup').record(trx, [{ createdAt: toMs(created.createdAt) ?? now.getTime(), channel: input.channel, from: null, to: 'queued' }]);
            return { row: created, begun: await attempts().begin([created], lease.owner) };
          }));
        } catch (error) {
          // Two requests with the same idempotency key at once: the second finds the first's message.
          if (input.idempotencyKey && isUniqueViolation(error)) {
            const existing = await earlierWithKey(caller.scope, input, requestHash);
            if (existing) return { ...toMessageView(existing), duplicate: true };
          }
          throw error;
        }
        await attempts().finish(begun, lease.owner);
        return toMessageView((await logs().findOne({ where: { id: row.id } }))!);
      });
    },

    /**
     * Checks the ledger, then hands the message to its transport. The log must be held under
     * `leaseOwner` by the caller. Returns the log as it stands afterwards.
     */
    async attempt(row: Row, leaseOwner: string): Promise<Row> {
      await attempts().attemptBatch([row], leaseOwner);
      return (await logs().findOne({ where: { id: row.id } }))!;
    },

    /** Attempts many held messages at once, in batches (see the attempts service). */
    attemptBatch(items: { id: number }[], leaseOwner: string, options?: AttemptOptions): Promise<AttemptTally> {
      return attempts().attemptBatch(items, leaseOwner, options);
    },

    /** An editor's "retry now": a deferred or failed message is sent again at once, with a fresh retry window. */
    async retryNow(documentId: string, actor: { id: string; name: string }): Promise<MessageView> {
      const row = await logs().findOne({ where: { documentId } });
      if (!row) throw new SendRefusedError(404, 'id', `No message "${documentId}".`);
      if (row.status !== 'deferred' && row.status !== 'failed') {
        throw new SendRefusedError(409, 'status', `Only a deferred or failed message can be retried; this one is ${row.status as string}.`);
      }
      const ledger = await getService(strapi, 'ledger').stateOf(row.channel as 'email' | 'sms', row.address as string);
      if (refusesMessageOf(getService(strapi, 'config').get().categories, row.category as string | null, ledger.state)) {
        throw new SendRefusedError(
          409,
          'address',
          `The address is ${ADDRESS_STATE_LABELS[ledger.state].toLowerCase()}: reactivate it before retrying.`,
        );
      }
      const lease = leases().create();
      // A failed message is due again by the editor's decision: it goes back to deferred under the claim.
      const claimed = await strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        const result = await logs().updateMany({
          where: { id: row.id, status: row.status, $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lt: new Date() } }] },
          data: {
            leaseOwner: lease.owner,
            leaseExpiresAt: lease.expiresAt,
            firstAttemptAt: new Date(),
            status: 'deferred',
            nextAttemptAt: new Date(),
          },
        });
        const change = result.count === 1 ? statusChangeOf(row, 'deferred') : null;
        if (change) await getService(strapi, 'report-rollup').record(trx, [change]);
        return result;
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

    /** A bulk send (a Grab): checked whole, then queued for the bulk worker (see the bulk-sends service). */
    sendBulk(raw: unknown, actor: { id: string; name: string } | null = null): Promise<BulkSendView> {
      return getService(strapi, 'bulk-sends').create(raw, actor);
    },

    async find(documentId: string): Promise<MessageView | null> {
      const row = await logs().findOne({ where: { documentId } });
      return row ? toMessageView(row) : null;
    },
  };
};
