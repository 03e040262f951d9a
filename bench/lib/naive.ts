/**
 * The naive peer: the intake a plugin written the obvious way would have, one event at a time
 * through the Document Service: store the event (its `unique` check on the key is the dedupe; a
 * repeat stops there), find the message, update its status, find the address's ledger row or
 * create it, update it. The same effects as the ideal arm (`baseline-effects.ts`), without
 * batching, locks or HTTP (which flatters it: the plugin's figure includes its HTTP and signature check).
 * It runs in a Strapi process of its own (see bench/run.ts), so its garbage is not the plugin's.
 */
import type { Core } from '@strapi/strapi';
import type { NormalizedEvent } from '../../server/src/core/events';
import { addressStateOf, messageStatusOf, reasonOf } from './baseline-effects';

const EVENT = 'plugin::deliverability.delivery-event';
const LOG = 'plugin::deliverability.delivery-log';
const ADDRESS = 'plugin::deliverability.address';

type Documents = {
  create(params: unknown): Promise<{ documentId: string; softBounceCount?: number }>;
  update(params: unknown): Promise<unknown>;
  findOne(params: unknown): Promise<{ documentId: string } | null>;
  findFirst(params: unknown): Promise<{ documentId: string; softBounceCount?: number } | null>;
};

/** Stores the event; false when its key was stored before (the Document Service's unique check refuses it). */
async function storeEvent(events: Documents, event: NormalizedEvent): Promise<boolean> {
  try {
    await events.create({
      data: {
        eventKey: event.eventKey, logDocumentId: event.correlationId, kind: event.kind, outcome: 'applied', channel: event.channel,
        address: event.address, provider: event.provider, providerMessageId: event.providerMessageId, attempt: event.attempt,
        occurredAt: new Date(event.occurredAt), rawType: event.rawType, rawCode: event.rawCode, rawText: event.rawText,
        severity: event.severity, reason: 'Recorded.',
      },
    });
    return true;
  } catch (error) {
    if ((error as Error).name !== 'ValidationError') throw error;
    return false;
  }
}

async function updateMessage(logs: Documents, event: NormalizedEvent): Promise<void> {
  const status = messageStatusOf(event);
  if (!event.correlationId || !status) return;
  const log = await logs.findOne({ documentId: event.correlationId, fields: ['status'] });
  if (log) await logs.update({ documentId: log.documentId, data: { status, statusReason: reasonOf(event), lastEventAt: new Date(event.occurredAt) } });
}

async function updateAddress(addresses: Documents, event: NormalizedEvent): Promise<void> {
  const address = event.address.toLowerCase();
  const entry =
    (await addresses.findFirst({ filters: { channel: event.channel, address } })) ??
    (await addresses.create({ data: { channel: event.channel, address, state: 'active' } }));
  const state = addressStateOf(event);
  const data: Record<string, unknown> = {};
  if (state) Object.assign(data, { state, reason: reasonOf(event), stateChangedAt: new Date(event.occurredAt) });
  if (event.kind === 'delivered') data.lastDeliveredAt = new Date(event.occurredAt);
  if (event.kind === 'soft_bounce') Object.assign(data, { lastSoftBounceAt: new Date(event.occurredAt), softBounceCount: (entry.softBounceCount ?? 0) + 1 });
  await addresses.update({ documentId: entry.documentId, data });
}

/**
 * Runs a step again when SQLite answers "database is locked". The peer runs in a Strapi of its own
 * on the plugin's database file, and SQLite refuses at once, without waiting, a write whose
 * transaction would otherwise deadlock with another process's; each step is safe to run again
 * (what failed was rolled back, and a step re-reads what it updates).
 */
async function retryLocked<T>(step: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await step();
    } catch (error) {
      const locked = /SQLITE_BUSY|database is locked/.test(`${(error as { code?: unknown }).code} ${(error as Error).message}`);
      if (!locked || tries >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * tries));
    }
  }
}

/** One batch, event by event. Answers how many were repeats. */
export async function applyNaive(strapi: Core.Strapi, events: NormalizedEvent[]): Promise<number> {
  const documents = (uid: string) => strapi.documents(uid as never) as unknown as Documents;
  let duplicates = 0;
  for (const event of events) {
    if (!(await retryLocked(() => storeEvent(documents(EVENT), event)))) {
      duplicates += 1;
      continue;
    }
    await retryLocked(() => updateMessage(documents(LOG), event));
    await retryLocked(() => updateAddress(documents(ADDRESS), event));
  }
  return duplicates;
}
