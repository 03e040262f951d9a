/**
 * Whether a message reached the student on either channel: on its own channel, by its fallback
 * on the other one, not at all, or not known yet. The rule behind the "critical messages reached"
 * report. Pure: no Strapi, no I/O.
 */
import type { MessageStatus } from './statuses';

export type Reach = 'first' | 'fallback' | 'notReached' | 'awaiting';

/** Delivered; a complaint also proves the message arrived. */
const REACHED: readonly MessageStatus[] = ['delivered', 'complained'];
/** Final without reaching the student: the statuses that make a message fall back. */
const NOT_REACHED: readonly MessageStatus[] = ['bounced', 'failed', 'dropped'];

/**
 * `first` is the message's status, `fallback` its fallback's (null: it has none). A message still
 * in flight (queued, sent without a report yet, deferred) is `awaiting`, and so is a failed one
 * whose fallback is still in flight.
 */
export function reachOf(first: MessageStatus, fallback: MessageStatus | null): Reach {
  if (REACHED.includes(first)) return 'first';
  if (fallback !== null && REACHED.includes(fallback)) return 'fallback';
  if (!NOT_REACHED.includes(first)) return 'awaiting';
  if (fallback === null || NOT_REACHED.includes(fallback)) return 'notReached';
  return 'awaiting';
}
