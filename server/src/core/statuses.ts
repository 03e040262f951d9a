/**
 * Message and address states, and the one precedence rule for each.
 *
 * Providers repeat events, send them out of order ("sent" after "delivered") and late (a bounce
 * days after "delivered"). A message's status is therefore the strongest status any of its events
 * has given it, never the latest to arrive. Rank order is the rule: an event can only move a
 * message up. The retrier and the send path, which start a new attempt, are the only writers that
 * may move a message back to `sent`, and they do it on purpose, not through an event.
 */

export const MESSAGE_STATUSES = [
  'queued',
  'sent',
  'deferred',
  'delivered',
  'dropped',
  'failed',
  'bounced',
  'complained',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

const MESSAGE_RANK: Record<MessageStatus, number> = {
  queued: 0,
  sent: 1,
  // A later attempt is scheduled (a soft bounce's re-send, or a send waiting for quiet hours to
  // end): stronger than "sent", but a later delivery of an earlier attempt wins.
  deferred: 2,
  delivered: 3,
  // The provider refused to send it: contradicts "delivered", and says more.
  dropped: 4,
  // An SMS failure or retries exhausted: final.
  failed: 5,
  // A bounce can arrive days after "delivered" and overrides it.
  bounced: 6,
  // A complaint proves receipt and is the strongest signal there is.
  complained: 7,
};

export function messageRank(status: MessageStatus): number {
  return MESSAGE_RANK[status];
}

/** Final statuses: nothing will be sent again for this message. */
export function isFinalMessageStatus(status: MessageStatus): boolean {
  return status !== 'queued' && status !== 'sent' && status !== 'deferred';
}

export const ADDRESS_STATES = ['active', 'soft_bouncing', 'failed', 'complained', 'unsubscribed', 'opted_out'] as const;
export type AddressState = (typeof ADDRESS_STATES)[number];

/** The states in which the plugin refuses to hand a message to any provider. */
export const SUPPRESSED_STATES: readonly AddressState[] = ['failed', 'complained', 'unsubscribed', 'opted_out'];

export function isSuppressed(state: AddressState): boolean {
  return SUPPRESSED_STATES.includes(state);
}

const ADDRESS_RANK: Record<AddressState, number> = {
  active: 0,
  soft_bouncing: 1,
  failed: 2,
  opted_out: 3,
  unsubscribed: 4,
  // Consent withdrawn by a spam report is the hardest state to undo, so it wins.
  complained: 5,
};

export function addressRank(state: AddressState): number {
  return ADDRESS_RANK[state];
}

/** The English names of the address states, in the server's texts (reasons, errors); the admin has its own translations. */
export const ADDRESS_STATE_LABELS: Record<AddressState, string> = {
  active: 'Active',
  soft_bouncing: 'Soft-bouncing',
  failed: 'Failed',
  complained: 'Complained',
  unsubscribed: 'Unsubscribed',
  opted_out: 'Opted out',
};
