import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import { providerReportedOptOut, type ConsentRecord } from '../core/consent';
import { decide, type MessageState } from '../core/decide';
import type { NormalizedEvent } from '../core/events';
import { withSenderBlocks } from '../core/sender-blocks';
import { isSuppressed, messageRank, type MessageStatus } from '../core/statuses';
import type { EventOutcome } from '../content-types/delivery-event/schema';
import type { DecisionPolicy } from '../core/policy';
import { eventReason, reasonPart, type ReasonPart } from '../core/reasons';
import { getService, table, toDate, toMs, type Row } from '../utils/plugin';
import { insertRows, updateRows, type RowUpdate } from '../utils/bulk';
import { isRetryableConflict, lockRowsById, takesRowLocks, withConflictRetry } from '../utils/locks';
import { UID } from '../utils/uids';
import type { ContactRef } from './contacts';
import { ledgerKey, type LedgerEntry, type LedgerWrite } from './ledger';
import { FAILED_MESSAGE_STATUSES, messageFailed, type Announcement } from './outbound-events';
import type { CreatedFallbacks } from './fallbacks';
import { statusChangesOf } from './report-rollup';

/**
 * Applies normalized events, as a pipeline of named stages:
 * 1. `firstOfEachKey`: repeats within the batch go;
 * 2. `matchMessages`: the messages the events concern, read before the transaction (no lock);
 * then, in one transaction:
 * 3. `lockTargets`: those messages and their addresses' ledger rows are locked, in a fixed order;
 * 4. `withoutStored`: events already stored go (read after the locks, so a concurrent copy of the
 *    same batch is seen);
 * 5. `loadState`: the locked messages and ledger rows, as they now stand;
 * 6. `decideBatch`: pure, the core's `decide` for each event in the order things happened;
 * 7. `persist`: event rows, message statuses, the ledger and the contact mirrors.
 * Used by the webhooks, the sandbox and the sender.
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

export interface IntakeOptions {
  /** A signed one-time token (Mailgun): a second request with it is a replay. */
  receipt?: IntakeReceipt;
  now?: number;
  /**
   * More writes that must commit with the events, or not at all (a batch's unreadable items). Run
   * last inside the intake's own transaction, again on each retry, rather than around it: a retry
   * inside an outer transaction would run in one that PostgreSQL has already aborted.
   */
  alsoWrite?: () => Promise<unknown>;
}

export class ReplayError extends Error {
  constructor() {
    super('This signed token was already used with a different body.');
    this.name = 'ReplayError';
  }
}

const CHUNK = 500;

interface LogRecord {
  row: Row;
  state: MessageState;
  changed: boolean;
  reason: string | null;
  reasonData: ReasonPart[] | null;
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
  'createdAt',
  'status',
  'attempts',
  'firstAttemptAt',
  'nextAttemptAt',
  'lastError',
  'lastEventAt',
  'address',
  'provider',
  'providerMessageId',
  'channel',
  'contactType',
  'contactDocumentId',
  'source',
  'sourceName',
];
/** What matching needs: fields that never change once a message has been handed over. */
const MATCH_FIELDS = ['id', 'documentId', 'address', 'provider', 'providerMessageId'];
const KEY_FIELDS = ['id', 'eventKey'];
const ATTEMPT_FIELDS = ['id', 'logDocumentId', 'provider', 'providerMessageId'];

type Pair = { channel: NormalizedEvent['channel']; address: string };

async function findInChunks(
  strapi: Core.Strapi,
  uid: string,
  field: string,
  values: (string | number)[],
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

/** Stage 1: the first event of each key; later copies in the same batch are duplicates. */
export function firstOfEachKey(events: NormalizedEvent[]): NormalizedEvent[] {
  const firstByKey = new Map<string, NormalizedEvent>();
  for (const event of events) if (!firstByKey.has(event.eventKey)) firstByKey.set(event.eventKey, event);
  return [...firstByKey.values()];
}

/** Which message (its matching row) an event concerns, and which address. */
export interface MessageMatcher {
  /** The matching rows, by document id. */
  rows: Map<string, Row>;
  logFor(event: NormalizedEvent): Row | null;
  addressOf(event: NormalizedEvent): string | null;
}

/** The matcher over rows already found: by our correlation id, then by the provider's message id. */
export function matcherOver(rows: Map<string, Row>, byProviderId: Map<string, string>): MessageMatcher {
  const findLog = (event: NormalizedEvent): Row | null => {
    const byCorrelation = event.correlationId ? rows.get(event.correlationId) : undefined;
    if (byCorrelation) return byCorrelation;
    const id = event.providerMessageId ? byProviderId.get(`${event.provider}:${event.providerMessageId}`) : undefined;
    return id ? (rows.get(id) ?? null) : null;
  };
  // A log is one message to one address. A provider message can have other recipients (a copy to
  // a colleague, say) whose events carry the same ids: they concern their own address, not this message.
  const logFor = (event: NormalizedEvent): Row | null => {
    const log = findLog(event);
    const address = normalizeAddress(event.channel, event.address);
    if (!log || address === null) return log;
    const logAddress = log.address as string;
    return (normalizeAddress(event.channel, logAddress) ?? logAddress) === address ? log : null;
  };
  const addressOf = (event: NormalizedEvent): string | null =>
    normalizeAddress(event.channel, event.address) ?? (logFor(event)?.address as string | undefined) ?? null;
  return { rows, logFor, addressOf };
}

/** Stage 2: the messages the events concern (current attempt's provider id, or an earlier attempt's). */
async function matchMessages(strapi: Core.Strapi, events: NormalizedEvent[]): Promise<MessageMatcher> {
  const rows = new Map<string, Row>();
  const remember = (row: Row): void => {
    if (!rows.has(row.documentId)) rows.set(row.documentId, row);
  };
  const correlationIds = events.map((e) => e.correlationId).filter((id): id is string => Boolean(id));
  (await findInChunks(strapi, UID.log, 'documentId', correlationIds, MATCH_FIELDS)).forEach(remember);
  const providerIds = events.map((e) => e.providerMessageId).filter((id): id is string => Boolean(id));
  const byProviderId = new Map<string, string>();
  const foundIds = new Set<string>();
  for (const row of await findInChunks(strapi, UID.log, 'providerMessageId', providerIds, MATCH_FIELDS)) {
    remember(row);
    byProviderId.set(`${row.provider as string}:${row.providerMessageId as string}`, row.documentId);
    foundIds.add(row.providerMessageId as string);
  }
  const missing = providerIds.filter((id) => !foundIds.has(id));
  if (missing.length > 0) {
    const attempts = await findInChunks(strapi, UID.event, 'providerMessageId', missing, ATTEMPT_FIELDS, { kind: 'send_attempt' });
    const attemptLogIds = attempts.map((a) => a.logDocumentId as string).filter(Boolean);
    for (const row of await findInChunks(strapi, UID.log, 'documentId', attemptLogIds, MATCH_FIELDS)) remember(row);
    for (const a of attempts) byProviderId.set(`${a.provider as string}:${a.providerMessageId as string}`, a.logDocumentId as string);
  }
  return matcherOver(rows, byProviderId);
}

/** Everything one batch changes, decided before anything is written. */
export interface BatchEffects {
  result: IntakeResult;
  eventRows: Record<string, unknown>[];
  logs: Map<string, LogRecord>;
  ledgerWrites: LedgerWrite[];
  mirrors: {
    channel: NormalizedEvent['channel'];
    address: string;
    status: LedgerEntry['state']['state'];
    reason: string | null;
    at: number;
  }[];
  /** Consent rows owed: a provider's report that moved a number to opted out. */
  consents: ConsentRecord[];
}

/**
 * Stage 6, pure: each event through the core's `decide`, in the order things happened (ties by
 * event key), so the result does not depend on arrival. `logs` and `entries` are the locked state;
 * both are updated as the batch goes, so later events of the batch see earlier ones' effects.
 */
export function decideBatch(input: {
  events: NormalizedEvent[];
  matcher: MessageMatcher;
  logs: Map<string, LogRecord>;
  entries: Map<string, LedgerEntry>;
  policy: DecisionPolicy;
  now: number;
  result: IntakeResult;
}): BatchEffects {
  const { matcher, logs, entries, policy, now, result } = input;
  const touched = new Map<string, LedgerWrite>();
  const mirrors = new Map<string, BatchEffects['mirrors'][number]>();
  const ordered = [...input.events].sort((a, b) => a.occurredAt - b.occurredAt || a.eventKey.localeCompare(b.eventKey));
  const eventRows: Record<string, unknown>[] = [];
  const consents: ConsentRecord[] = [];
  for (const event of ordered) {
    const matched = matcher.logFor(event);
    const log = matched ? (logs.get(matched.documentId) ?? null) : null;
    const address = matcher.addressOf(event);
    const entry = address ? entries.get(ledgerKey(event.channel, address)) : undefined;
    let outcome: EventOutcome;
    let reason: ReasonPart[];
    if (event.kind === 'ignored') {
      outcome = 'ignored';
      reason = [reasonPart('intake.ignored', { rawType: event.rawType })];
      result.ignored += 1;
    } else if (!entry && !log) {
      outcome = 'unmatched';
      reason = [reasonPart('intake.noAddress')];
      result.unmatched += 1;
    } else {
      const decision = decide({ event, message: log?.state ?? null, address: entry?.state ?? null, policy, now });
      reason = decision.reasonData;
      if (log && decision.message) {
        log.state = {
          ...log.state,
          status: decision.message.status,
          nextAttemptAt: decision.message.nextAttemptAt,
          lastError: decision.message.lastError,
        };
        log.changed = true;
        log.reason = decision.message.reason;
        log.reasonData = decision.message.reasonData;
      }
      if (log) log.lastEventAt = Math.max(log.lastEventAt ?? 0, event.occurredAt);
      if (entry && decision.address) {
        const key = ledgerKey(entry.channel, entry.address);
        const previous = touched.get(key);
        touched.set(key, {
          entry: previous?.entry ?? { ...entry, state: { ...entry.state } },
          next: decision.address.next,
          provider: decision.address.stateChanged ? event.provider : (previous?.provider ?? null),
          logDocumentId: decision.address.stateChanged ? (log?.row.documentId ?? null) : (previous?.logDocumentId ?? null),
          now,
        });
        const consent = providerReportedOptOut(event, entry.address, entry.state.state, decision.address.next.state);
        if (consent) consents.push(consent);
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
      // Strapi makes string columns varchar(255) on PostgreSQL and MySQL.
      address: address ?? event.address.slice(0, 255),
      provider: event.provider,
      providerMessageId: event.providerMessageId,
      attempt: event.attempt,
      occurredAt: new Date(event.occurredAt),
      rawType: event.rawType.slice(0, 255),
      rawCode: event.rawCode?.slice(0, 255) ?? null,
      rawText: event.rawText,
      severity: event.severity,
      dropReason: event.dropReason ?? null,
      ...eventReason(reason),
      createdAt: new Date(now),
      updatedAt: new Date(now),
    });
  }
  return { result, eventRows, logs, ledgerWrites: [...touched.values()], mirrors: [...mirrors.values()], consents };
}

/** What the batch changed that Strapi webhooks announce: addresses newly suppressed, messages newly bounced, failed or dropped. */
export function announcementsOf(effects: BatchEffects, contactsByAddress: Map<string, ContactRef[]>): Announcement[] {
  const announcements: Announcement[] = [];
  for (const write of effects.ledgerWrites) {
    if (write.next.state === write.entry.state.state || !isSuppressed(write.next.state)) continue;
    const { channel, address } = write.entry;
    const contacts = contactsByAddress.get(ledgerKey(channel, address)) ?? [];
    announcements.push({ event: 'deliverability.address.suppressed', channel, address, state: write.next.state, reason: write.next.reason, contacts });
  }
  for (const log of effects.logs.values()) {
    const status = log.state.status;
    if (!log.changed || status === log.row.status || !FAILED_MESSAGE_STATUSES.includes(status)) continue;
    announcements.push(messageFailed(log.row, status, log.reason, log.state.lastError));
  }
  return announcements;
}

/** The messages this batch newly failed (bounced, failed, dropped): the ones that may fall back to the other channel. */
export function newlyFailedIds(effects: BatchEffects): number[] {
  return [...effects.logs.values()]
    .filter((log) => log.changed && log.state.status !== log.row.status && FAILED_MESSAGE_STATUSES.includes(log.state.status))
    .map((log) => log.row.id);
}

/** The message rows' changes: status and retry plan where decided, and the provider time of the latest event. */
function logUpdatesOf(logs: Map<string, LogRecord>, now: number): RowUpdate[] {
  const updates: RowUpdate[] = [];
  for (const log of logs.values()) {
    if (!log.changed && log.lastEventAt === null) continue;
    const data: Record<string, unknown> = { updatedAt: new Date(now) };
    // A late-arriving older event does not move lastEventAt back.
    if (log.lastEventAt !== null) data.lastEventAt = new Date(Math.max(log.lastEventAt, toMs(log.row.lastEventAt) ?? log.lastEventAt));
    if (log.changed) {
      Object.assign(data, {
        status: log.state.status,
        nextAttemptAt: toDate(log.state.nextAttemptAt),
        lastError: log.state.lastError,
        statusReason: log.reason,
        statusReasonData: log.reasonData,
      });
      // A final status releases any claim the retrier had.
      if (messageRank(log.state.status) > messageRank('deferred')) {
        Object.assign(data, { leaseOwner: null, leaseExpiresAt: null });
      }
    }
    updates.push({ id: log.row.id, data });
  }
  return updates;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const ledger = () => getService(strapi, 'ledger');

  /**
   * Stage 3: locks the messages (by id), then the addresses' ledger rows (by channel and address).
   * Returns the ids of the ledger rows locked (`null` on SQLite, which needs none).
   */
  async function lockTargets(trx: Knex.Transaction, matcher: MessageMatcher, pairs: Pair[]): Promise<Set<number> | null> {
    await lockRowsById(
      strapi,
      trx,
      UID.log,
      [...matcher.rows.values()].map((row) => row.id),
    );
    return ledger().lockMany(trx, pairs);
  }

  /** A Mailgun-style signed token: `true` when this exact request was seen before; a reuse with another body is a replay. */
  async function seenReceipt(receipt: IntakeReceipt, eventCount: number): Promise<boolean> {
    const { provider, key, bodyHash } = receipt;
    const seen = await table(strapi, UID.receipt).findOne({ where: { receiptKey: key } });
    if (seen) {
      if (seen.bodyHash !== bodyHash) throw new ReplayError();
      return true;
    }
    await table(strapi, UID.receipt).create({ data: { provider, receiptKey: key, bodyHash, eventCount } });
    return false;
  }

  /** Stage 4: the events not stored yet. */
  async function withoutStored(events: NormalizedEvent[]): Promise<NormalizedEvent[]> {
    const stored = new Set(
      (
        await findInChunks(
          strapi,
          UID.event,
          'eventKey',
          events.map((e) => e.eventKey),
          KEY_FIELDS,
        )
      ).map((row) => row.eventKey as string),
    );
    return events.filter((event) => !stored.has(event.eventKey));
  }

  /**
   * Stage 5: the messages and ledger entries as they stand now that they are locked. A ledger row
   * that another request created after this one's locks (PostgreSQL takes no lock on a key that
   * does not exist yet) is locked now and read again, so that no decision rests on an unlocked row.
   */
  async function loadState(
    trx: Knex.Transaction,
    matcher: MessageMatcher,
    pairs: Pair[],
    lockedAddresses: Set<number> | null,
  ): Promise<{ logs: Map<string, LogRecord>; entries: Map<string, LedgerEntry> }> {
    const logs = new Map<string, LogRecord>();
    const ids = [...matcher.rows.values()].map((row) => row.id);
    for (const row of await findInChunks(strapi, UID.log, 'id', ids, LOG_FIELDS)) {
      logs.set(row.documentId, { row, state: messageStateOf(row), changed: false, reason: null, reasonData: null, lastEventAt: null });
    }
    const entries = await ledger().loadMany(pairs);
    if (lockedAddresses) {
      const late = [...entries.values()].filter((e) => e.id !== null && !lockedAddresses.has(e.id));
      if (late.length > 0) {
        await lockRowsById(strapi, trx, UID.address, late.map((e) => e.id!));
        for (const [key, entry] of await ledger().loadMany(late)) entries.set(key, entry);
      }
    }
    return { logs, entries };
  }

  /**
   * Stage 7: every effect; the caller's transaction commits all of it or nothing. Returns the
   * contacts of the addresses whose state changed (for the announcements).
   */
  async function persist(trx: Knex.Transaction, effects: BatchEffects, now: number): Promise<Map<string, ContactRef[]>> {
    await insertRows(strapi, trx, UID.event, effects.eventRows);
    // A few statements for the whole batch: one Query Engine update a message made this the slowest step.
    const logUpdates = logUpdatesOf(effects.logs, now);
    await updateRows(strapi, trx, UID.log, logUpdates);
    const before = new Map([...effects.logs.values()].map((log) => [log.row.id, log.row]));
    await getService(strapi, 'report-rollup').record(trx, statusChangesOf(before, logUpdates));
    await ledger().writeMany(effects.ledgerWrites);
    await getService(strapi, 'consent').record(effects.consents);
    return (await getService(strapi, 'contacts').applyMirrors(effects.mirrors)).contacts;
  }

  async function applyOnce(
    events: NormalizedEvent[],
    options: IntakeOptions,
    tryNumber: number,
  ): Promise<{ result: IntakeResult; announcements: Announcement[]; fallbacks: CreatedFallbacks | null }> {
    const now = options.now ?? Date.now();
    const result: IntakeResult = { received: events.length, duplicates: 0, applied: 0, unchanged: 0, unmatched: 0, ignored: 0 };
    // Every path (webhooks, the sandbox, a refusal at send time) reads refusals about the sender the same way.
    const unique = firstOfEachKey(events).map(withSenderBlocks);
    // Read outside the transaction: on MySQL a transaction's first plain read fixes what it sees,
    // and it must see what committed while it waited for its locks.
    const matcher = await matchMessages(strapi, unique);
    const pairs = unique
      .map((event) => ({ channel: event.channel, address: matcher.addressOf(event) }))
      .filter((p): p is Pair => p.address !== null);
    // A retry after a lost race: the new addresses' rows are created first, so that the transaction
    // locks rows that exist (see ledger.createMissing) rather than racing the others to insert them.
    if (tryNumber > 1 && takesRowLocks(strapi)) await ledger().createMissing(pairs, now);

    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const lockedAddresses = await lockTargets(trx, matcher, pairs);
      if (options.receipt && (await seenReceipt(options.receipt, events.length))) {
        return { result: { ...result, duplicates: events.length }, announcements: [], fallbacks: null };
      }
      const fresh = await withoutStored(unique);
      result.duplicates = events.length - fresh.length;
      let announcements: Announcement[] = [];
      let fallbacks: CreatedFallbacks | null = null;
      if (fresh.length > 0) {
        const { logs, entries } = await loadState(trx, matcher, pairs, lockedAddresses);
        const effects = decideBatch({ events: fresh, matcher, logs, entries, policy: getService(strapi, 'config').get(), now, result });
        announcements = announcementsOf(effects, await persist(trx, effects, now));
        // Under the same locks, so two reports of one bounce make one fallback.
        fallbacks = await getService(strapi, 'fallbacks').createFor(trx, newlyFailedIds(effects), now);
      }
      if (options.alsoWrite) await options.alsoWrite();
      return { result, announcements, fallbacks };
    });
  }

  return {
    /**
     * Applies a batch in one transaction. Two requests that race on the same new event or address
     * collide on a unique index (or, on PostgreSQL and MySQL, in a deadlock the server breaks);
     * the loser runs again and then sees the winner's rows.
     */
    async apply(events: NormalizedEvent[], options: IntakeOptions = {}): Promise<IntakeResult> {
      const { result, announcements, fallbacks } = await withConflictRetry((tryNumber) => applyOnce(events, options, tryNumber), {
        retryable: (error) => !(error instanceof ReplayError) && isRetryableConflict(error),
      });
      // After the commit: Strapi webhooks hear only what is stored.
      await getService(strapi, 'outbound-events').announce(announcements);
      getService(strapi, 'fallbacks').dispatch(fallbacks);
      return result;
    },
  };
};
