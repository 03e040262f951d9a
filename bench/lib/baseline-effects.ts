/**
 * What an event does, as the baselines write it (the ideal arm's SQL and the naive peer's
 * Document Service calls): a short table rather than the plugin's `decide`, so that a baseline
 * never runs the plugin's code. It writes the same rows and columns the plugin's intake writes
 * for the benchmark's SendGrid mix; its rules are simpler (the ideal is a floor on cost, not a
 * second implementation of the rules).
 */
import type { EventKind, NormalizedEvent } from '../../server/src/core/events';
import { messageRank, type AddressState, type MessageStatus } from '../../server/src/core/statuses';

const MESSAGE_STATUS_OF: Partial<Record<EventKind, MessageStatus>> = {
  accepted: 'sent',
  delivered: 'delivered',
  delivery_delayed: 'deferred',
  soft_bounce: 'deferred',
  hard_bounce: 'bounced',
  dropped: 'dropped',
  complaint: 'complained',
  failed: 'failed',
};

const ADDRESS_STATE_OF: Partial<Record<EventKind, AddressState>> = {
  hard_bounce: 'failed',
  dropped: 'failed',
  complaint: 'complained',
  unsubscribe: 'unsubscribed',
  opt_out: 'opted_out',
};

export const messageStatusOf = (event: NormalizedEvent): MessageStatus | null => MESSAGE_STATUS_OF[event.kind] ?? null;
export const addressStateOf = (event: NormalizedEvent): AddressState | null => ADDRESS_STATE_OF[event.kind] ?? null;
export const reasonOf = (event: NormalizedEvent): string => `${event.rawType}${event.rawCode ? ` ${event.rawCode}` : ''}`.slice(0, 255);

export interface MessageChange {
  documentId: string;
  status: MessageStatus;
  reason: string;
  lastEventAt: number;
}

export interface AddressChange {
  channel: NormalizedEvent['channel'];
  address: string;
  /** null: the state stays as it is. */
  state: AddressState | null;
  reason: string | null;
  lastDeliveredAt: number | null;
  lastSoftBounceAt: number | null;
  softBounces: number;
  at: number;
}

/** A batch's fresh events folded into one change a message and one an address (set-based writes). */
export function foldEffects(events: NormalizedEvent[]): { messages: MessageChange[]; addresses: AddressChange[] } {
  const messages = new Map<string, MessageChange>();
  const addresses = new Map<string, AddressChange>();
  for (const event of [...events].sort((a, b) => a.occurredAt - b.occurredAt)) {
    const status = messageStatusOf(event);
    if (event.correlationId && status) {
      const before = messages.get(event.correlationId);
      const keep = before && messageRank(before.status) > messageRank(status);
      messages.set(event.correlationId, {
        documentId: event.correlationId,
        status: keep ? before.status : status,
        reason: keep ? before.reason : reasonOf(event),
        lastEventAt: Math.max(before?.lastEventAt ?? 0, event.occurredAt),
      });
    }
    const key = `${event.channel}:${event.address.toLowerCase()}`;
    const change = addresses.get(key) ?? { channel: event.channel, address: event.address.toLowerCase(), state: null, reason: null, lastDeliveredAt: null, lastSoftBounceAt: null, softBounces: 0, at: event.occurredAt };
    const state = addressStateOf(event);
    if (state) Object.assign(change, { state, reason: reasonOf(event) });
    if (event.kind === 'delivered') change.lastDeliveredAt = event.occurredAt;
    if (event.kind === 'soft_bounce') Object.assign(change, { lastSoftBounceAt: event.occurredAt, softBounces: change.softBounces + 1 });
    change.at = event.occurredAt;
    addresses.set(key, change);
  }
  return { messages: [...messages.values()], addresses: [...addresses.values()] };
}
