import { decide, NEW_ADDRESS, type AddressLedgerState, type Decision, type MessageState } from './decide';
import type { NormalizedEvent } from './events';
import type { DecisionPolicy } from './policy';

export interface ReplayState {
  message: MessageState | null;
  address: AddressLedgerState;
}

/**
 * Folds one message's events through `decide`, dropping repeats of an event key as the intake
 * does with its unique index. The intake runs the same fold across a batch with the database as
 * its state; this pure form is what the property tests use to check that order and repeats do
 * not change the outcome (the admin does not use it).
 */
export function replay(
  events: readonly NormalizedEvent[],
  start: ReplayState,
  policy: DecisionPolicy,
  now: number,
): ReplayState & { decisions: Decision[] } {
  const seen = new Set<string>();
  let message = start.message;
  let address = start.address ?? NEW_ADDRESS;
  const decisions: Decision[] = [];
  for (const event of events) {
    if (seen.has(event.eventKey)) continue;
    seen.add(event.eventKey);
    const decision = decide({ event, message, address, policy, now });
    decisions.push(decision);
    if (message && decision.message) {
      message = { ...message, status: decision.message.status, nextAttemptAt: decision.message.nextAttemptAt, lastError: decision.message.lastError };
    }
    if (decision.address) address = decision.address.next;
  }
  return { message, address, decisions };
}
