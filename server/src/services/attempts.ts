import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { NormalizedEvent } from '../core/events';
import { VERIFICATION_SOURCE, type MessageContent } from '../core/message-input';
import { eventReason, reasonPart, statusReason, type ReasonParams, type ReasonPart } from '../core/reasons';
import type { UnconfirmedHandOff } from '../core/send-failure';
import type { AddressState } from '../core/statuses';
import { refusesMessageOf } from '../core/categories';
import { correlationIdOf, type SendOutcome, type Transport } from '../transports/types';
import { insertRows, updateRows, type RowUpdate } from '../utils/bulk';
import { takesRowLocks, withConflictRetry } from '../utils/locks';
import { batchesOf, claimedInBatches, runPipeline, turnAtLeastEvery, type BatchSource } from '../utils/batch-pipeline';
import { getService, table, toDate, toMs, type Row } from '../utils/plugin';
import { builder, columnsOf } from '../utils/sql';
import { UID } from '../utils/uids';
import { ledgerKey } from './ledger';
import { messageFailed } from './outbound-events';
import type { CreatedFallbacks } from './fallbacks';
import type { HeldMessage } from './quiet-hours';
import { statusChangesOf } from './report-rollup';
import { AWAITING_CONFIRMATION } from './verification';

/**
 * Attempts: handing claimed messages to their transports, many at a time. A batch goes through
 * three stages, each of which commits on its own, so that a crash between them leaves every
 * message in a state the retrier knows how to finish:
 *
 * 1. begin (one transaction a chunk): the messages still held under the caller's lease and still
 *    due are locked and read; the ledger is read for their addresses; a suppressed address's
 *    message is dropped, every other one has its attempt on record (`queued`, the attempt event).
 *    A crash after this leaves queued messages whose lease expires. Whoever claims one next finds
 *    it abandoned: it may have reached the provider, so it is not sent again at once but waits, as
 *    an unconfirmed hand-off does, for the provider's report (`sending.unconfirmedWaitMinutes`).
 * 2. hand-off: concurrent, up to `concurrency` at once, optionally paced by the caller.
 * 3. record (one transaction a chunk): what each provider answered. A refusal is judged by the
 *    same rules as a provider's report, through the intake, for the whole chunk at once.
 *
 * The stages overlap (`utils/batch-pipeline.ts`): the next chunk is begun while this one is handed
 * over, and outcomes are recorded, many at a time, while later hand-offs are in flight.
 */

/** The most messages begun in one transaction. */
const CHUNK = 100;

/**
 * Lets the event loop turn between the steps of a begin or a record if it has not turned for this
 * long. On SQLite the driver is synchronous, so a transaction's statements run back to back on
 * the loop: the begin of a bulk send's batch of 128 held it for tens of milliseconds, and the
 * providers' answers to the hand-offs in flight waited that long to be read (a tenth of a 50 ms
 * hand-off took 87 to 160 ms, bench/bulk.ts). Where the database answers over a socket the loop
 * turns while it waits, and this costs nothing.
 */
const LOOP_SLICE_MS = 5;
const letAnswersIn = (): Promise<void> => turnAtLeastEvery(LOOP_SLICE_MS);

/**
 * How many messages are begun at a time: a few rounds of hand-offs ahead, not more (a report
 * that finishes a message before its hand-off should still find it not yet begun), and one round
 * first, so that the first hand-offs wait for a small begin.
 */
function chunking({ concurrency = 1 }: AttemptOptions): { size: number; first: number } {
  const size = Math.min(CHUNK, 4 * concurrency);
  return { size, first: Math.min(size, concurrency) };
}

/** A message whose attempt is on record, ready to be handed over. */
export interface ReadyAttempt {
  row: Row;
  attempt: number;
  transport: Transport;
}

/** What the begin stage did with a chunk: ready to hand over, dropped (suppressed address), held by quiet hours, or passed over (no longer ours, or no longer due). */
export interface BegunChunk {
  ready: ReadyAttempt[];
  dropped: { row: Row; reason: string }[];
  held: HeldMessage[];
  passedOver: number[];
  /** Fallback messages for the drops whose category falls back, to send once the begin has committed. */
  fallbacks?: CreatedFallbacks | null;
  /** Attempts found abandoned by a process that stopped (see `recordAbandoned`): waiting for a report, not handed over. */
  abandoned?: number;
}

interface HandedOff {
  ready: ReadyAttempt;
  outcome: SendOutcome;
}

type Refused = HandedOff & { outcome: Extract<SendOutcome, { failure: unknown }> };

export interface AttemptTally {
  /** Taken by the provider (or handed over without an answer, and waiting for its report). */
  sent: number;
  /** Refused by the provider. */
  failed: number;
  dropped: number;
  /** Waiting for quiet hours to end (deferred until then). */
  held: number;
  /** No longer held under the caller's lease, or no longer due (a report finished it): not attempted. */
  passedOver: number;
  /** Begun by a process that stopped before recording the answer: waiting for the provider's report, not sent again now. */
  abandoned: number;
}

export interface AttemptOptions {
  /** Hand-offs in flight at once. */
  concurrency?: number;
  /** Awaited before each hand-off: lets a caller hold to a rate per provider. */
  pace?: (transport: Transport) => Promise<void>;
  /** The instant quiet hours are judged at (the retrier's tick time); now by default. */
  now?: number;
  /** Outcomes that may wait for their record while the lanes go on (`retrier.maxUnrecorded`); 0 by default. */
  maxUnrecorded?: number;
  /** Begun messages (waiting for a lane or their pace) below which the next batch is begun; `concurrency` by default. */
  prefetchBelow?: number;
}

/** A message's status, attempt and lease as the record stage finds them, under its lock. */
interface InFlightState {
  status: unknown;
  attempts: unknown;
  nextAttemptAt: unknown;
  leaseOwner: unknown;
}

/** When an unanswered hand-off may be sent again (null: not at all), and why. */
interface UnconfirmedWhy {
  nextAttemptAt: Date | null;
  parts: ReasonPart[];
}

/** Whether a message may still be attempted: queued, deferred, or an unconfirmed hand-off waiting to be sent again. */
const stillDue = (row: Row): boolean =>
  row.status === 'queued' || row.status === 'deferred' || (row.status === 'sent' && row.nextAttemptAt !== null && row.nextAttemptAt !== undefined);

const leaseUnexpired = (row: Row, now: number): boolean => (toMs(row.leaseExpiresAt) ?? 0) > now;

const isRefused = (handed: HandedOff): handed is Refused => !handed.outcome.ok && 'failure' in handed.outcome;

const rowsById = (rows: Row[]): Map<number, Row> => new Map(rows.map((row) => [row.id, row]));

/** The key of an attempt's event, the one row each attempt has from its begin on. */
const attemptKey = (documentId: unknown, attempt: number): string => `attempt:${documentId as string}:${attempt}`;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const rollup = () => getService(strapi, 'report-rollup');
  const logColumns = () => columnsOf(strapi, UID.log, ['status', 'attempts', 'nextAttemptAt', 'leaseOwner', 'leaseExpiresAt'] as const);

  /**
   * The messages of `ids` still held by `owner` under an unexpired lease and still due (queued,
   * deferred, or an unconfirmed hand-off), locked until the transaction ends where the database
   * has row locks, then read whole. Locked in id order, as the intake locks messages.
   *
   * The rows are found by id and owner alone, and the rest is judged on the rows read. Given the
   * status and the lease's expiry too, SQLite's planner (which has no statistics) walked the lease
   * index, whose range of unexpired queued messages holds every parked message of a bulk send:
   * 4.4 ms a batch with 50,000 queued, growing with the queue (bench/bulk.ts).
   */
  async function lockStillOurs(trx: Knex.Transaction, ids: number[], owner: string, now: number): Promise<Row[]> {
    const query = builder(strapi, UID.log).transacting(trx).select('id').whereIn('id', ids).where(logColumns().leaseOwner, owner).orderBy('id');
    if (takesRowLocks(strapi)) query.forUpdate();
    const held = (await query).map((row: { id: number }) => Number(row.id));
    if (held.length === 0) return [];
    // Read after the lock (and, on MySQL, as the transaction's first plain read) so it is current.
    const rows = await table(strapi, UID.log).findMany({ where: { id: { $in: held } }, orderBy: { id: 'asc' } });
    return rows.filter((row) => leaseUnexpired(row, now) && stillDue(row));
  }

  function dropReason(channel: 'email' | 'sms', state: AddressState, ledgerReason: string | null): ReasonPart[] {
    return [
      ledgerReason
        ? reasonPart(`send.droppedBecause.${channel}`, { state, detail: ledgerReason })
        : reasonPart(`send.dropped.${channel}`, { state }),
    ];
  }

  /**
   * A verification message (services/verification.ts) goes to the suppressed address it asks the
   * student to confirm: the one exemption from the ledger check. Only the plugin's own code sets
   * this source; the send API refuses it.
   */
  function confirmsTheAddress(row: Row): boolean {
    return row.source === VERIFICATION_SOURCE;
  }

  /** The ledger check as an attempt's outcome: the messages are dropped, and each drop is on record. */
  async function recordDrops(trx: Knex.Transaction, drops: { row: Row; state: AddressState; ledgerReason: string | null }[], now: number) {
    const at = new Date(now);
    const why = drops.map(({ row, state, ledgerReason }) => dropReason(row.channel as 'email' | 'sms', state, ledgerReason));
    const updates: RowUpdate[] = drops.map(({ row }, i) => ({
      id: row.id,
      data: { status: 'dropped', ...statusReason(why[i]), nextAttemptAt: null, leaseOwner: null, leaseExpiresAt: null, updatedAt: at },
    }));
    await updateRows(strapi, trx, UID.log, updates);
    await rollup().record(trx, statusChangesOf(rowsById(drops.map((drop) => drop.row)), updates));
    await insertRows(
      strapi,
      trx,
      UID.event,
      drops.map(({ row, state, ledgerReason }, i) => ({
        eventKey: `dropped:${row.documentId}:${Number(row.attempts ?? 0) + 1}`,
        logDocumentId: row.documentId,
        kind: 'dropped',
        outcome: 'applied',
        channel: row.channel,
        address: row.address,
        provider: 'plugin',
        attempt: Number(row.attempts ?? 0) + 1,
        occurredAt: at,
        rawType: 'suppressed',
        rawCode: state,
        rawText: ledgerReason,
        ...eventReason(why[i]),
        createdAt: at,
        updatedAt: at,
      })),
    );
    return drops.map(({ row }, i) => ({ row, reason: eventReason(why[i]).reason }));
  }

  /** The attempts on record before the hand-off, so Full Logs show them ahead of the providers' reports. */
  async function recordAttempts(trx: Knex.Transaction, ready: ReadyAttempt[], now: number): Promise<void> {
    const at = new Date(now);
    const updates: RowUpdate[] = ready.map(({ row, attempt, transport }) => ({
      id: row.id,
      data: {
        status: 'queued',
        attempts: attempt,
        firstAttemptAt: toDate(toMs(row.firstAttemptAt) ?? now),
        nextAttemptAt: null,
        provider: transport.provider,
        updatedAt: at,
      },
    }));
    await updateRows(strapi, trx, UID.log, updates);
    await rollup().record(trx, statusChangesOf(rowsById(ready.map((r) => r.row)), updates));
    await letAnswersIn();
    await insertRows(
      strapi,
      trx,
      UID.event,
      ready.map(({ row, attempt, transport }) => ({
        eventKey: attemptKey(row.documentId, attempt),
        logDocumentId: row.documentId,
        kind: 'send_attempt',
        outcome: 'attempt',
        channel: row.channel,
        address: row.address,
        provider: transport.provider,
        attempt,
        occurredAt: at,
        rawType: 'send',
        ...eventReason([reasonPart('send.handedOff', { attempt, transport: transport.provider })]),
        createdAt: at,
        updatedAt: at,
      })),
    );
  }

  /** The drop decision: whether the address's state refuses this message's category (core/categories.ts). */
  function refusedByAddress(row: Row, state: AddressState): boolean {
    return refusesMessageOf(getService(strapi, 'config').get().categories, row.category as string | null, state);
  }

  /** Of the messages about to be attempted, those that must wait for quiet hours to end go back to wait (lease released). */
  async function holdForQuietHours(trx: Knex.Transaction, ready: ReadyAttempt[], judgedAt: number, now: number): Promise<{ held: HeldMessage[]; due: ReadyAttempt[] }> {
    const quietHours = getService(strapi, 'quiet-hours');
    const { held, due } = await quietHours.judge(ready, judgedAt);
    if (held.length > 0) await quietHours.recordHolds(trx, held, now);
    return { held, due };
  }

  /**
   * A message still `queued` after its attempt was put on record: the process that began it
   * stopped (or froze past its lease) before recording what the provider answered. Every other
   * way out of the begin stage moves a message on (`sent`, `deferred`, a final status).
   */
  const wasAbandoned = (row: Row): boolean => row.status === 'queued' && Number(row.attempts ?? 0) > 0;

  /**
   * Abandoned attempts are not sent again now: the hand-off may have left before the process
   * stopped, and its report may still come (providers retry their webhooks). Each message becomes
   * an unconfirmed hand-off, `sent` and waiting for the report, and the retrier sends it again only
   * if none has come by the end of the wait (README, "Several instances on PostgreSQL or MySQL").
   */
  async function recordAbandoned(trx: Knex.Transaction, abandoned: Row[], now: number): Promise<void> {
    const at = new Date(now);
    const eventData = new Map<string, Record<string, unknown>>();
    const updates: RowUpdate[] = abandoned.map((row) => {
      const params = { attempt: Number(row.attempts), transport: (row.provider as string | null) ?? 'the provider' };
      const { nextAttemptAt, parts } = waitForReport('abandoned', row.firstAttemptAt, params, now);
      eventData.set(attemptKey(row.documentId, Number(row.attempts)), { rawCode: 'abandoned', ...eventReason(parts) });
      return {
        id: row.id,
        data: { status: 'sent', nextAttemptAt, ...statusReason(parts), leaseOwner: null, leaseExpiresAt: null, updatedAt: at },
      };
    });
    await updateRows(strapi, trx, UID.log, updates);
    await rollup().record(trx, statusChangesOf(rowsById(abandoned), updates));
    await updateEventsByKey(trx, eventData);
  }

  /** Stage 1 for one chunk. Joins the caller's transaction, if any (a new message and its first attempt commit together). */
  async function begin(items: { id: number }[], owner: string, judgedAt?: number): Promise<BegunChunk> {
    const now = Date.now();
    const ids = items.map((item) => item.id);
    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const locked = await lockStillOurs(trx, ids, owner, now);
      await letAnswersIn();
      const held = new Set(locked.map((row) => row.id));
      const abandoned = locked.filter(wasAbandoned);
      if (abandoned.length > 0) await recordAbandoned(trx, abandoned, now);
      const rows = locked.filter((row) => !wasAbandoned(row));
      const ledger = await getService(strapi, 'ledger').loadMany(
        rows.map((row) => ({ channel: row.channel as 'email' | 'sms', address: row.address as string })),
      );
      await letAnswersIn();
      const unconfirmed = await getService(strapi, 'verification').awaitingConfirmation(rows);
      const drops: { row: Row; state: AddressState; ledgerReason: string | null }[] = [];
      const ready: ReadyAttempt[] = [];
      for (const row of rows) {
        const entry = ledger.get(ledgerKey(row.channel as 'email' | 'sms', row.address as string));
        if (entry && refusedByAddress(row, entry.state.state) && !confirmsTheAddress(row)) {
          drops.push({ row, state: entry.state.state, ledgerReason: entry.state.reason });
        } else if (unconfirmed.has(ledgerKey(row.channel as 'email' | 'sms', row.address as string)) && !confirmsTheAddress(row)) {
          drops.push({ row, state: entry?.state.state ?? 'active', ledgerReason: AWAITING_CONFIRMATION });
        } else {
          const transport = getService(strapi, 'transports').for(row.channel as 'email' | 'sms');
          ready.push({ row, attempt: Number(row.attempts ?? 0) + 1, transport });
        }
      }
      const dropped = drops.length > 0 ? await recordDrops(trx, drops, now) : [];
      const fallbacks = drops.length > 0 ? await getService(strapi, 'fallbacks').createFor(trx, drops.map(({ row }) => row.id), now) : null;
      const quiet = await holdForQuietHours(trx, ready, judgedAt ?? now, now);
      await letAnswersIn();
      if (quiet.due.length > 0) await recordAttempts(trx, quiet.due, now);
      return { ready: quiet.due, dropped, held: quiet.held, passedOver: ids.filter((id) => !held.has(id)), fallbacks, abandoned: abandoned.length };
    });
  }

  /** Headers the message needs besides the transport's own: List-Unsubscribe on bulk email (services/unsubscribe.ts). */
  function extraHeaders(row: Row): Record<string, string> | undefined {
    return getService(strapi, 'unsubscribe').headersFor({
      channel: row.channel as 'email' | 'sms',
      address: row.address as string,
      documentId: row.documentId,
      bulkSendId: row.bulkSendId,
      category: row.category,
    });
  }

  async function handOff({ row, attempt, transport }: ReadyAttempt): Promise<SendOutcome> {
    try {
      return await transport.send({
        channel: row.channel as 'email' | 'sms',
        to: row.address as string,
        content: row.content as MessageContent,
        logDocumentId: row.documentId,
        attempt,
        correlationId: correlationIdOf(row.documentId, attempt),
        headers: extraHeaders(row),
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

  /**
   * A message's columns after an answered hand-off. Only a message still `queued` moves to `sent`
   * (a fast provider's report may already have said more), and only our own lease is released.
   */
  function answeredLogData(
    current: InFlightState,
    { ready, outcome }: HandedOff,
    unconfirmed: UnconfirmedWhy | null,
    owner: string,
    now: number,
  ): Record<string, unknown> {
    const data: Record<string, unknown> = { updatedAt: new Date(now) };
    const stillInFlight = current.status === 'queued';
    // Another process took this attempt over as abandoned while this one was still handing it
    // over (frozen past its lease): the answer is the confirmation it waits for.
    const takenOverAsAbandoned = current.status === 'sent' && current.nextAttemptAt !== null && Number(current.attempts) === ready.attempt;
    if (outcome.ok) {
      data.provider = outcome.provider;
      data.providerMessageId = outcome.providerMessageId;
      if (stillInFlight || takenOverAsAbandoned) {
        data.status = 'sent';
        data.nextAttemptAt = null;
        Object.assign(data, statusReason([reasonPart('send.handedOff', { attempt: ready.attempt, transport: outcome.provider })]));
      }
    } else if ('unconfirmed' in outcome && unconfirmed && stillInFlight) {
      Object.assign(data, { status: 'sent', nextAttemptAt: unconfirmed.nextAttemptAt, ...statusReason(unconfirmed.parts), lastError: outcome.unconfirmed.text });
    }
    if (current.leaseOwner === owner) Object.assign(data, { leaseOwner: null, leaseExpiresAt: null });
    return data;
  }

  /**
   * No answer after the request left: the message stays `sent`, marked unconfirmed, and may be
   * sent again only if no report has come by the end of the wait (and the retry window is still
   * open; after it, the message stays as it is, for an editor to look at).
   */
  function unconfirmedReason(ready: ReadyAttempt, provider: string, unconfirmed: UnconfirmedHandOff, now: number): UnconfirmedWhy {
    return waitForReport('unconfirmed', ready.row.firstAttemptAt, { attempt: ready.attempt, transport: provider, detail: unconfirmed.text }, now);
  }

  /**
   * The one rule for a hand-off whose outcome is unknown (`unconfirmed`: no answer came;
   * `abandoned`: its process stopped before recording one): it waits `sending.unconfirmedWaitMinutes`
   * for the provider's report, or, if that would end after the retry window, is not sent again.
   */
  function waitForReport(why: 'unconfirmed' | 'abandoned', firstAttemptAt: unknown, params: ReasonParams, now: number): UnconfirmedWhy {
    const config = getService(strapi, 'config').get();
    const waitUntil = now + config.sending.unconfirmedWaitMinutes * 60_000;
    const windowEnd = (toMs(firstAttemptAt) ?? now) + config.retry.windowHours * 3_600_000;
    const nextAttemptAt = waitUntil <= windowEnd ? new Date(waitUntil) : null;
    const parts = [
      nextAttemptAt ? reasonPart(`send.${why}Waiting`, { ...params, at: nextAttemptAt.toISOString() }) : reasonPart(`send.${why}GivenUp`, params),
    ];
    return { nextAttemptAt, parts };
  }

  /** The attempt events of answered hand-offs learn the provider's id, or why no answer came. */
  function answeredEventData({ outcome }: HandedOff, unconfirmed: UnconfirmedWhy | null): Record<string, unknown> | null {
    if (outcome.ok) return { providerMessageId: outcome.providerMessageId, provider: outcome.provider };
    if (!('unconfirmed' in outcome) || !unconfirmed) return null;
    return { rawCode: outcome.unconfirmed.code, rawText: outcome.unconfirmed.text.slice(0, 10_000), ...eventReason(unconfirmed.parts) };
  }

  /** Stage 3, for the hand-offs the providers took (or left unanswered): one transaction. */
  async function recordAnswered(answered: HandedOff[], owner: string): Promise<void> {
    const now = Date.now();
    // Why each unanswered hand-off waits (or gave up), once, for its message and its attempt event.
    const unconfirmed = new Map<HandedOff, UnconfirmedWhy>();
    for (const handed of answered) {
      const { ready, outcome } = handed;
      if (!outcome.ok && 'unconfirmed' in outcome) unconfirmed.set(handed, unconfirmedReason(ready, outcome.provider, outcome.unconfirmed, now));
    }
    // A deadlock the server broke (MariaDB, beside the intake and the bulk worker's claims) runs the
    // whole record again: it re-reads every message under its lock, so a second run decides afresh.
    // Giving up instead would leave handed-over messages looking unsent, to be sent again.
    await withConflictRetry(() => recordAnsweredOnce(answered, unconfirmed, owner, now), { tries: 10 });
  }

  async function recordAnsweredOnce(answered: HandedOff[], unconfirmed: Map<HandedOff, UnconfirmedWhy>, owner: string, now: number): Promise<void> {
    await strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const ids = answered.map((handed) => handed.ready.row.id);
      const c = logColumns();
      const query = builder(strapi, UID.log).transacting(trx).select('id', c.status, c.attempts, c.nextAttemptAt, c.leaseOwner).whereIn('id', ids).orderBy('id');
      if (takesRowLocks(strapi)) query.forUpdate();
      const current = new Map<number, InFlightState>();
      const locked = await query;
      await letAnswersIn();
      for (const row of locked) {
        current.set(Number(row.id), { status: row[c.status], attempts: row[c.attempts], nextAttemptAt: row[c.nextAttemptAt], leaseOwner: row[c.leaseOwner] });
      }
      const logUpdates = answered
        .filter((handed) => current.has(handed.ready.row.id))
        .map((handed) => ({
          id: handed.ready.row.id,
          data: answeredLogData(current.get(handed.ready.row.id)!, handed, unconfirmed.get(handed) ?? null, owner, now),
        }));
      await updateRows(strapi, trx, UID.log, logUpdates);
      // The status each message had under the lock, with the columns that never change.
      const before = new Map(answered.map(({ ready: { row } }) => [row.id, { ...row, status: current.get(row.id)?.status }]));
      await rollup().record(trx, statusChangesOf(before, logUpdates));
      await letAnswersIn();
      await updateAttemptEvents(trx, answered, unconfirmed);
    });
  }

  async function updateAttemptEvents(trx: Knex.Transaction, answered: HandedOff[], unconfirmed: Map<HandedOff, UnconfirmedWhy>): Promise<void> {
    const byKey = new Map<string, Record<string, unknown>>();
    for (const handed of answered) {
      const data = answeredEventData(handed, unconfirmed.get(handed) ?? null);
      if (data) byKey.set(attemptKey(handed.ready.row.documentId, handed.ready.attempt), data);
    }
    await updateEventsByKey(trx, byKey);
  }

  /** Updates the events of the given keys (attempt events, found by their key's unique index). */
  async function updateEventsByKey(trx: Knex.Transaction, byKey: Map<string, Record<string, unknown>>): Promise<void> {
    if (byKey.size === 0) return;
    const events = await table(strapi, UID.event).findMany({ select: ['id', 'eventKey'], where: { eventKey: { $in: [...byKey.keys()] } } });
    await updateRows(strapi, trx, UID.event, events.map((event) => ({ id: event.id, data: byKey.get(event.eventKey as string)! })));
  }

  /** Stage 3, for definite refusals: judged by the same rules as a provider's report, through the intake. */
  async function recordRefused(refused: Refused[], owner: string): Promise<void> {
    const occurredAt = Date.now();
    const events: NormalizedEvent[] = refused.map(({ ready: { row, attempt }, outcome }) => ({
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
    }));
    await getService(strapi, 'intake').apply(events, { now: occurredAt });
    await table(strapi, UID.log).updateMany({
      where: { id: { $in: refused.map((handed) => handed.ready.row.id) }, leaseOwner: owner },
      data: { leaseOwner: null, leaseExpiresAt: null },
    });
  }

  async function record(handed: HandedOff[], owner: string): Promise<void> {
    const refused = handed.filter(isRefused);
    const answered = handed.filter((item) => !isRefused(item));
    if (answered.length > 0) await recordAnswered(answered, owner);
    if (refused.length > 0) await recordRefused(refused, owner);
  }

  /** After a begin committed: its drops are announced, and counted. */
  async function afterBegin(begun: BegunChunk, tally: AttemptTally): Promise<ReadyAttempt[]> {
    tally.dropped += begun.dropped.length;
    tally.held += begun.held.length;
    tally.passedOver += begun.passedOver.length;
    tally.abandoned += begun.abandoned ?? 0;
    getService(strapi, 'fallbacks').dispatch(begun.fallbacks ?? null);
    if (begun.dropped.length > 0) {
      await getService(strapi, 'outbound-events').announce(begun.dropped.map(({ row, reason }) => messageFailed(row, 'dropped', reason, null)));
    }
    return begun.ready;
  }

  function count(tally: AttemptTally, handed: HandedOff[]): void {
    const refused = handed.filter(isRefused).length;
    tally.failed += refused;
    tally.sent += handed.length - refused;
  }

  const emptyTally = (): AttemptTally => ({ sent: 0, failed: 0, dropped: 0, held: 0, passedOver: 0, abandoned: 0 });

  /**
   * As `attemptBatch`, for messages that come in batches from `source` (a queue's claims): the
   * next batch is claimed and begun while the one before is handed over.
   */
  async function attemptStream(source: BatchSource<{ id: number }>, owner: string, options: AttemptOptions = {}): Promise<AttemptTally> {
    const tally = emptyTally();
    await runPipeline<{ id: number }, ReadyAttempt, HandedOff>(
      source,
      {
        // A begin that lost a race (a deadlock the server broke) rolled back whole: it runs again.
        prepare: async (chunk) => afterBegin(await withConflictRetry(() => begin(chunk, owner, options.now)), tally),
        pace: async (item) => options.pace?.(item.transport),
        work: async (item) => ({ ready: item, outcome: await handOff(item) }),
        record: async (handed) => {
          await record(handed, owner);
          count(tally, handed);
        },
      },
      { concurrency: options.concurrency ?? 1, maxUnrecorded: options.maxUnrecorded, prefetchBelow: options.prefetchBelow },
    );
    return tally;
  }

  return {
    begin,

    /** Hands over a chunk begun in the caller's transaction (which has committed), and records what came of it. */
    async finish(begun: BegunChunk, owner: string): Promise<AttemptTally> {
      const tally = emptyTally();
      const ready = await afterBegin(begun, tally);
      const handed = await Promise.all(ready.map(async (item) => ({ ready: item, outcome: await handOff(item) })));
      await record(handed, owner);
      count(tally, handed);
      return tally;
    },

    /**
     * Attempts the messages `items` (their ids), which `owner` must hold under a lease renewed for
     * as long as this runs (see `leases.keepWhile`). Messages no longer ours or no longer due are
     * passed over; a suppressed address's message is dropped. If the process dies, the messages
     * begun whose outcome was not yet recorded are found abandoned when the lease expires, and wait
     * for their reports (see `recordAbandoned`); every other message is either untouched or finished.
     */
    async attemptBatch(items: { id: number }[], owner: string, options: AttemptOptions = {}): Promise<AttemptTally> {
      const { size, first } = chunking(options);
      return attemptStream(batchesOf(items, size, first), owner, options);
    },

    /**
     * As `attemptBatch`, for up to `limit` messages that `claim(n)` leases to `owner` (the
     * retrier's due messages), claimed a chunk at a time (`claimedInBatches`): one round of
     * hand-offs first, and each later chunk while the ones before it are handed over. Claiming
     * 1,000 messages at once cost 220 ms before the first hand-off among 10,000,000 logs on
     * PostgreSQL (bench/run.ts), 1.1 s for 10,000. The next chunk is claimed and begun a chunk
     * ahead, not a round, so that its claim and begin have a few rounds' time.
     */
    async attemptClaimed(claim: (limit: number) => Promise<{ id: number }[]>, limit: number, owner: string, options: AttemptOptions = {}): Promise<AttemptTally> {
      const { size, first } = chunking(options);
      return attemptStream(claimedInBatches(claim, limit, size, first), owner, { ...options, prefetchBelow: options.prefetchBelow ?? size });
    },

    attemptStream,
  };
};
