import { randomBytes } from 'crypto';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import { decide, type MessageState } from '../core/decide';
import type { NormalizedEvent } from '../core/events';
import { messageRank, type MessageStatus } from '../core/statuses';
import type { EventOutcome } from '../content-types/delivery-event/schema';
import { getService, table, toDate, toMs, type Row, isUniqueViolation } from '../utils/plugin';
import { updateRows, type RowUpdate } from '../utils/bulk';
import { UID } from '../utils/uids';
import { ledgerKey, type LedgerEntry, type LedgerWrite } from './ledger';

/**
 * Applies normalized events: dedupes them, finds their messages and addresses, asks the core
 * what each one means, and writes every effect (event rows, message statuses, the address ledger
 * and the contact mirrors) in one transaction. Used by the webhooks, the sandbox and the sender.
 */

export interface IntakeReceipt {
  provider: string;
  /** A signed one-time token (Mailgun): a second request with it is a replay. */
  key: string;
  bodyHash: string;
}

export interface IntakeResult {
  received: number;
  duplicates: number;
  applied: number;
  unchanged: number;
  unmatched: number;
  ignored: number;
}

export class ReplayError extends Error {
  constructor() {
    super('This signed token was already used with a different body.');
    this.name = 'ReplayError';
  }
}

const CHUNK = 500;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Document ids for a batch's event rows, in the shape Strapi's own have (24 characters of a-z0-9,
 * starting with a letter). Strapi derives each of its ids from a SHA-3 hash, which took about
 * 5% of a 1,000-event batch's time; event rows are never looked up by document id.
 */
function documentIds(count: number): string[] {
  const bytes = randomBytes(count * 24);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    let id = ID_ALPHABET[bytes[i * 24] % 26];
    for (let j = 1; j < 24; j += 1) id += ID_ALPHABET[bytes[i * 24 + j] % 36];
    ids.push(id);
  }
  return ids;
}

interface LogRecord {
  row: Row;
  state: MessageState;
  changed: boolean;
  reason: string | null;
  lastEventAt: number | null;
}

function messageStateOf(row: Row): MessageState {
  return {
    status: row.status as MessageStatus,
    attempts: Number(row.attempts ?? 0),
    firstAttemptAt: toMs(row.firstAttemptAt),
    nextAttemptAt: toMs(row.nextAttemptAt),
    lastError: (row.lastError as string | null) ?? null,
  };
}

/** The columns the intake reads, so that a batch does not fetch and decode every message's content. */
const LOG_FIELDS = [
  'id',
  'documentId',
  'status',
  'attempts',
  'firstAttemptAt',
  'nextAttemptAt',
  'lastError',
  'lastEventAt',
  'address',
  'provider',
  'providerMessageId',
];
const KEY_FIELDS = ['id', 'eventKey'];
const ATTEMPT_FIELDS = ['id', 'logDocumentId', 'provider', 'providerMessageId'];

async function findInChunks(
  strapi: Core.Strapi,
  uid: string,
  field: string,
  values: string[],
  select: string[],
  extra: Record<string, unknown> = {},
): Promise<Row[]> {
  const rows: Row[] = [];
  const unique = [...new Set(values)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    rows.push(...(await table(strapi, uid).findMany({ select, where: { ...extra, [field]: { $in: unique.slice(i, i + CHUNK) } } })));
  }
  return rows;
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Applies a batch in one transaction. Two requests that race on the same new event or address
   * collide on a unique index; the loser runs once more and then sees the winner's rows.
   */
  async apply(events: NormalizedEvent[], options: { receipt?: IntakeReceipt; now?: number } = {}): Promise<IntakeResult> {
    try {
      return await this.applyOnce(events, options);
    } catch (error) {
      if (error instanceof ReplayError || !isUniqueViolation(error)) throw error;
      return this.applyOnce(events, options);
    }
  },

  async applyOnce(events: NormalizedEvent[], options: { receipt?: IntakeReceipt; now?: number }): Promise<IntakeResult> {
    const now = options.now ?? Date.now();
    const policy = getService(strapi, 'config').get();
    const ledger = getService(strapi, 'ledger');
    const contacts = getService(strapi, 'contacts');

    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const result: IntakeResult = { received: events.length, duplicates: 0, applied: 0, unchanged: 0, unmatched: 0, ignored: 0 };

      if (options.receipt) {
        const { provider, key, bodyHash } = options.receipt;
        const seen = await table(strapi, UID.receipt).findOne({ where: { receiptKey: key } });
        if (seen) {
          if (seen.bodyHash !== bodyHash) throw new ReplayError();
          return { ...result, duplicates: events.length };
        }
        await table(strapi, UID.receipt).create({ data: { provider, receiptKey: key, bodyHash, eventCount: events.length } });
      }

      // 1. Duplicates: within the batch, and against what is stored.
      const firstByKey = new Map<string, NormalizedEvent>();
      for (const event of events) if (!firstByKey.has(event.eventKey)) firstByKey.set(event.eventKey, event);
      const stored = await findInChunks(strapi, UID.event, 'eventKey', [...firstByKey.keys()], KEY_FIELDS);
      for (const row of stored) firstByKey.delete(row.eventKey as string);
      const fresh = [...firstByKey.values()];
      result.duplicates = events.length - fresh.length;
      if (fresh.length === 0) return result;

      // 2. Their messages: by our correlation id, then by the provider's message id (current or earlier attempt).
      const logsById = new Map<string, LogRecord>();
      const remember = (row: Row): void => {
        if (!logsById.has(row.documentId)) {
          logsById.set(row.documentId, { row, state: messageStateOf(row), changed: false, reason: null, lastEventAt: null });
        }
      };
      const correlationIds = fresh.map((e) => e.correlationId).filter((id): id is string => Boolean(id));
      (await findInChunks(strapi, UID.log, 'documentId', correlationIds, LOG_FIELDS)).forEach(remember);
      const providerIds = fresh.map((e) => e.providerMessageId).filter((id): id is string => Boolean(id));
      const byProviderId = new Map<string, string>();
      const foundIds = new Set<string>();
      for (const row of await findInChunks(strapi, UID.log, 'providerMessageId', providerIds, LOG_FIELDS)) {
        remember(row);
        byProviderId.set(`${row.provider as string}:${row.providerMessageId as string}`, row.documentId);
        foundIds.add(row.providerMessageId as string);
      }
      const missing = providerIds.filter((id) => !foundIds.has(id));
      if (missing.length > 0) {
        const attempts = await findInChunks(strapi, UID.event, 'providerMessageId', missing, ATTEMPT_FIELDS, { kind: 'send_attempt' });
        const attemptLogIds = attempts.map((a) => a.logDocumentId as string).filter(Boolean);
        for (const row of await findInChunks(strapi, UID.log, 'documentId', attemptLogIds, LOG_FIELDS)) remember(row);
        for (const a of attempts) byProviderId.set(`${a.provider as string}:${a.providerMessageId as string}`, a.logDocumentId as string);
      }
      const findLog = (event: NormalizedEvent): LogRecord | null => {
        const byCorrelation = event.correlationId ? logsById.get(event.correlationId) : undefined;
        if (byCorrelation) return byCorrelation;
        const id = event.providerMessageId ? byProviderId.get(`${event.provider}:${event.providerMessageId}`) : undefined;
        return id ? (logsById.get(id) ?? null) : null;
      };
      // A log is one message to one address. A provider message can have other recipients (a copy to
      // a colleague, say) whose events carry the same ids: they concern their own address, not this message.
      const logFor = (event: NormalizedEvent): LogRecord | null => {
        const log = findLog(event);
        const address = normalizeAddress(event.channel, event.address);
        if (!log || address === null) return log;
        const logAddress = log.row.address as string;
        return (normalizeAddress(event.channel, logAddress) ?? logAddress) === address ? log : null;
      };

      // 3. Their addresses.
      const addressOf = (event: NormalizedEvent, log: LogRecord | null): string | null =>
        normalizeAddress(event.channel, event.address) ?? (log?.row.address as string | undefined) ?? null;
      const pairs = fresh
        .map((event) => ({ channel: event.channel, address: addressOf(event, logFor(event)) }))
        .filter((p): p is { channel: NormalizedEvent['channel']; address: string } => p.address !== null);
      const entries = await ledger.loadMany(pairs);
      const touched = new Map<string, { entry: LedgerEntry; write: LedgerWrite }>();
      const mirrors = new Map<
        string,
        { channel: NormalizedEvent['channel']; address: string; status: LedgerEntry['state']['state']; reason: string | null; at: number }
      >();

      // 4. Decide, in the order things happened (ties by event key), so the result does not depend on arrival.
      const ordered = [...fresh].sort((a, b) => a.occurredAt - b.occurredAt || a.eventKey.localeCompare(b.eventKey));
      const eventRows: Record<string, unknown>[] = [];
      for (const event of ordered) {
        const log = logFor(event);
        const address = addressOf(event, log);
        const entry = address ? entries.get(ledgerKey(event.channel, address)) : undefined;
        let outcome: EventOutcome;
        let reason: string;
        if (event.kind === 'ignored') {
          outcome = 'ignored';
          reason = `"${event.rawType}" has no effect on delivery; kept for the record.`;
          result.ignored += 1;
        } else if (!entry && !log) {
          outcome = 'unmatched';
          reason = 'The event names no address the plugin can read, and matches no message.';
          result.unmatched += 1;
        } else {
          const decision = decide({ event, message: log?.state ?? null, address: entry?.state ?? null, policy, now });
          reason = decision.reason;
          if (log && decision.message) {
            log.state = {
              ...log.state,
              status: decision.message.status,
              nextAttemptAt: decision.message.nextAttemptAt,
              lastError: decision.message.lastError,
            };
            log.changed = true;
            log.reason = decision.message.reason;
          }
          if (log) log.lastEventAt = Math.max(log.lastEventAt ?? 0, event.occurredAt);
          if (entry && decision.address) {
            const previous = touched.get(ledgerKey(entry.channel, entry.address));
            touched.set(ledgerKey(entry.channel, entry.address), {
              entry,
              write: {
                entry: previous?.write.entry ?? { ...entry, state: { ...entry.state } },
                next: decision.address.next,
                provider: decision.address.stateChanged ? event.provider : (previous?.write.provider ?? null),
                logDocumentId: decision.address.stateChanged ? (log?.row.documentId ?? null) : (previous?.write.logDocumentId ?? null),
                now,
              },
            });
            entry.state = decision.address.next;
          }
          if (entry && decision.contact) {
            mirrors.set(ledgerKey(entry.channel, entry.address), { channel: entry.channel, address: entry.address, ...decision.contact });
          }
          if (!log) {
            outcome = 'unmatched';
            result.unmatched += 1;
          } else if (decision.outcome === 'applied') {
            outcome = 'applied';
            result.applied += 1;
          } else {
            outcome = 'no_change';
            result.unchanged += 1;
          }
        }
        eventRows.push({
          eventKey: event.eventKey,
          logDocumentId: log?.row.documentId ?? null,
          kind: event.kind,
          outcome,
          channel: event.channel,
          address: address ?? event.address.slice(0, 320),
          provider: event.provider,
          providerMessageId: event.providerMessageId,
          attempt: event.attempt,
          occurredAt: new Date(event.occurredAt),
          rawType: event.rawType.slice(0, 255),
          rawCode: event.rawCode?.slice(0, 255) ?? null,
          rawText: event.rawText,
          severity: event.severity,
          reason,
          createdAt: new Date(now),
          updatedAt: new Date(now),
        });
      }

      // 5. Write everything; the transaction commits all of it or nothing.
      documentIds(eventRows.length).forEach((documentId, i) => (eventRows[i].documentId = documentId));
      for (let i = 0; i < eventRows.length; i += CHUNK) {
        await table(strapi, UID.event).createMany({ data: eventRows.slice(i, i + CHUNK) });
      }
      const logUpdates: RowUpdate[] = [];
      for (const log of logsById.values()) {
        if (!log.changed && log.lastEventAt === null) continue;
        const data: Record<string, unknown> = { updatedAt: new Date(now) };
        // The provider time of the latest event: a late-arriving older event does not move it back.
        if (log.lastEventAt !== null) data.lastEventAt = new Date(Math.max(log.lastEventAt, toMs(log.row.lastEventAt) ?? log.lastEventAt));
        if (log.changed) {
          Object.assign(data, {
            status: log.state.status,
            nextAttemptAt: toDate(log.state.nextAttemptAt),
            lastError: log.state.lastError,
            statusReason: log.reason,
          });
          // A final status releases any claim the retrier had.
          if (messageRank(log.state.status) > messageRank('deferred')) {
            Object.assign(data, { leaseOwner: null, leaseExpiresAt: null });
          }
        }
        logUpdates.push({ id: log.row.id, data });
      }
      // A few statements for the whole batch: one Query Engine update a message made this the slowest step.
      await updateRows(strapi, trx, UID.log, logUpdates);
      await ledger.writeMany([...touched.values()].map((t) => t.write));
      for (const mirror of mirrors.values()) {
        await contacts.applyMirror(mirror.channel, mirror.address, { status: mirror.status, reason: mirror.reason, at: mirror.at });
      }
      return result;
    });
  },
});
