/**
 * Re-classification: an editor says a stored event was misread (a "hard bounce" that was a block
 * of the sender, a soft bounce that was a dead mailbox). The address's state is then decided again
 * from its whole history, with the correction, through the same `decide` that decided it the
 * first time: send attempts put their message back to `sent`, each event is decided at the time
 * it was processed. Pure: no Strapi, no I/O.
 */
import { decide, NEW_ADDRESS, type AddressLedgerState, type MessageState } from './decide';
import type { Channel, EventKind, NormalizedEvent } from './events';
import type { DecisionPolicy } from './policy';

/** The kinds an editor may correct an event from, and to: the readings of a refusal. */
export const RECLASSIFIABLE_KINDS = ['hard_bounce', 'soft_bounce', 'sender_block', 'failed'] as const;
export type ReclassifiableKind = (typeof RECLASSIFIABLE_KINDS)[number];

export function isReclassifiable(kind: string): kind is ReclassifiableKind {
  return (RECLASSIFIABLE_KINDS as readonly string[]).includes(kind);
}

/** Why a correction from `from` to `to` on `channel` cannot be made, or null when it can. */
export function reclassificationRefusal(channel: Channel, from: string, to: string): string | null {
  if (!isReclassifiable(from)) return `A "${from}" event cannot be re-classified: only ${RECLASSIFIABLE_KINDS.join(', ')} can.`;
  if (!isReclassifiable(to)) return `kind must be one of ${RECLASSIFIABLE_KINDS.join(', ')}.`;
  if (to === 'sender_block' && channel !== 'email') return 'Only an email refusal can be a block of the sender.';
  if (from === to) return `The event is already "${to}".`;
  return null;
}

/** One row of an address's history, in the order it is replayed. */
export type HistoryItem =
  | { type: 'attempt'; logDocumentId: string; attempt: number; at: number }
  | { type: 'event'; event: NormalizedEvent; logDocumentId: string | null; processedAt: number };

/** The message as it stood after a send attempt: handed over, nothing heard yet. */
function afterAttempt(previous: MessageState | undefined, attempt: number, at: number): MessageState {
  return { status: 'sent', attempts: attempt, firstAttemptAt: previous?.firstAttemptAt ?? at, nextAttemptAt: null, lastError: null };
}

/**
 * The address's state after its history, from `start` (a fresh ledger row that keeps only the
 * reactivation: events before it are history either way). `firstAttempts` gives each message's
 * first attempt time, for messages whose first attempt left no row (sent before attempts were kept).
 */
export function replayAddress(
  history: readonly HistoryItem[],
  start: Pick<AddressLedgerState, 'reactivatedAt'>,
  policy: DecisionPolicy,
  firstAttempts: ReadonlyMap<string, number>,
): AddressLedgerState {
  let address: AddressLedgerState = { ...NEW_ADDRESS, reactivatedAt: start.reactivatedAt };
  const messages = new Map<string, MessageState>();
  for (const item of history) {
    if (item.type === 'attempt') {
      messages.set(item.logDocumentId, afterAttempt(messages.get(item.logDocumentId), item.attempt, item.at));
      continue;
    }
    const { event, logDocumentId, processedAt } = item;
    let message: MessageState | null = null;
    if (logDocumentId !== null) {
      message = messages.get(logDocumentId) ?? afterAttempt(undefined, event.attempt ?? 1, firstAttempts.get(logDocumentId) ?? event.occurredAt);
    }
    const decision = decide({ event, message, address, policy, now: processedAt });
    if (logDocumentId !== null && message && decision.message) {
      messages.set(logDocumentId, { ...message, status: decision.message.status, nextAttemptAt: decision.message.nextAttemptAt, lastError: decision.message.lastError });
    }
    if (decision.address) address = decision.address.next;
  }
  return address;
}

/** The stored kinds that take part in a replay: provider events that were decided (not ignored, not unreadable). */
export function isDecidedKind(kind: string): kind is Exclude<EventKind, 'ignored'> {
  return kind !== 'ignored' && kind !== 'send_attempt' && kind !== 'fallback';
}
