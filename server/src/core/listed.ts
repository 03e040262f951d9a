import type { NormalizedEvent, ProviderName } from './events';

/**
 * A provider's suppression-list entry as a normalized event, so that a pulled suppression goes
 * through the same `decide()` and event trail as a webhook report. The key is derived from what
 * identifies the entry (provider, list, address, listing time): a page read twice (a sync resumed
 * after a crash, the next scheduled run) stores and applies it once. An entry lifted and listed
 * again later has a new listing time, so it is news again.
 */

/** Listed entries' `rawType` starts with this (the unmatched-events page leaves them out). */
export const LISTED_RAW_TYPE_PREFIX = 'suppression-list/';

export interface ListedEntry {
  address: string;
  kind: 'hard_bounce' | 'complaint' | 'unsubscribe' | 'failed';
  list: string;
  listedAt: number | null;
  reason: string | null;
  code: string | null;
}

export function listedEvent(provider: ProviderName, entry: ListedEntry, now: number): NormalizedEvent {
  const address = entry.address.trim().toLowerCase();
  return {
    provider,
    channel: 'email',
    kind: entry.kind,
    address: entry.address.trim(),
    providerMessageId: null,
    correlationId: null,
    attempt: null,
    eventKey: `list:${provider}:${entry.list}:${address}:${entry.listedAt ?? 'undated'}`.slice(0, 255),
    // An entry without a date is dated by the sync that found it.
    occurredAt: entry.listedAt ?? now,
    rawType: `${LISTED_RAW_TYPE_PREFIX}${entry.list}`,
    rawCode: entry.code,
    rawText: entry.reason,
    severity: entry.kind === 'failed' ? 'transient' : 'permanent',
  };
}
