/**
 * The decision rules: one event × the current state of its message and address → the effects,
 * each with the reason an editor reads in Full Logs (as codes, core/reasons.ts, and their English
 * text). Pure: no Strapi, no clock, no I/O.
 *
 * Order-independence comes from three choices:
 * - a message status only moves up the rank order of `statuses.ts`;
 * - an address's suppression state only moves up its rank order, ties going to the earliest event;
 * - soft-bounce and delivery facts are compared by the provider's event time, not arrival time.
 */

import { nextAttemptAt } from './backoff';
import type { NormalizedEvent } from './events';
import { DEFAULT_TWO_STRIKE_POLICY, senderBlockRetry, type DecisionPolicy, type RetryPolicy } from './policy';
import { englishPhrase, englishReason, reasonPart, type ReasonPart } from './reasons';
import {
  type AddressState,
  type MessageStatus,
  addressRank,
  isFinalMessageStatus,
  messageRank,
} from './statuses';

const DAY = 24 * 60 * 60 * 1000;

export interface MessageState {
  status: MessageStatus;
  /** Attempts handed to a provider so far (1 after the first send). */
  attempts: number;
  firstAttemptAt: number | null;
  /**
   * When the retrier may send again: the scheduled re-send of a `deferred` message, or, on a
   * `sent` message, the end of the wait for the provider's report after a hand-off whose outcome
   * was unknown (a timeout or a reset after the request left: see `isUnconfirmed`).
   */
  nextAttemptAt: number | null;
  lastError: string | null;
}

/**
 * A hand-off with no answer: the provider may or may not have the message. It stays `sent`, and
 * the retrier tries again only if no report about it has come by `nextAttemptAt`.
 */
export function isUnconfirmed(message: MessageState): boolean {
  return message.status === 'sent' && message.nextAttemptAt !== null;
}

export interface AddressLedgerState {
  state: AddressState;
  reason: string | null;
  providerCode: string | null;
  /** The provider event time and key of the event that set `state`; ties between equal states go to the earliest. */
  stateEventAt: number | null;
  stateEventKey: string | null;
  lastDeliveredAt: number | null;
  lastSoftBounceAt: number | null;
  /** Final soft bounces since the last delivery. */
  softBounceCount: number;
  /** Messages in a row whose retries ran out with no delivery between. */
  exhaustedStreak: number;
  /** Discourse-style bounce score (escalation mode `score`). */
  bounceScore: number;
  /** Events older than a reactivation are history, not news: they change nothing. */
  reactivatedAt: number | null;
  /** A two-strike domain's first hard bounce not yet followed by a second (or cleared by a delivery). */
  lastStrikeAt: number | null;
}

export const NEW_ADDRESS: AddressLedgerState = {
  state: 'active',
  reason: null,
  providerCode: null,
  stateEventAt: null,
  stateEventKey: null,
  lastDeliveredAt: null,
  lastSoftBounceAt: null,
  softBounceCount: 0,
  exhaustedStreak: 0,
  bounceScore: 0,
  reactivatedAt: null,
  lastStrikeAt: null,
};

export interface MessageEffect {
  status: MessageStatus;
  nextAttemptAt: number | null;
  lastError: string | null;
  reason: string;
  reasonData: ReasonPart[];
}

export interface AddressEffect {
  next: AddressLedgerState;
  /** True when `state` itself changed (the contact mirror follows). */
  stateChanged: boolean;
  /** What the change means, for the decision's explanation. */
  notes: ReasonPart[];
}

export interface ContactMirrorEffect {
  status: AddressState;
  reason: string | null;
  at: number;
}

export interface Decision {
  /** `applied` when something changed; `no_change` when the event was recorded only. */
  outcome: 'applied' | 'no_change';
  /** Why, in one or two sentences, for the event row in Full Logs. */
  reason: string;
  /** The same, as codes. */
  reasonData: ReasonPart[];
  message: MessageEffect | null;
  address: AddressEffect | null;
  contact: ContactMirrorEffect | null;
}

export interface DecisionInput {
  event: NormalizedEvent;
  message: MessageState | null;
  address: AddressLedgerState | null;
  policy: DecisionPolicy;
  /** Processing time: retries are scheduled from now, not from the provider's clock. */
  now: number;
}

function detail(event: NormalizedEvent): string {
  const parts = [event.rawCode, event.rawText].filter((part): part is string => Boolean(part && part.trim()));
  return parts.length > 0 ? parts.join(' ') : event.rawType;
}

/** What the provider reported, as the first sentence of a decision. */
export function describeEvent(event: NormalizedEvent): ReasonPart {
  const params = { provider: event.provider, detail: detail(event) };
  switch (event.kind) {
    case 'soft_bounce':
    case 'hard_bounce':
    case 'failed':
      return reasonPart(`event.${event.kind}.${event.channel}`, params);
    case 'sender_block':
      return reasonPart('event.sender_block', params);
    case 'ignored':
      return reasonPart('event.ignored', { provider: event.provider, rawType: event.rawType });
    default:
      return reasonPart(`event.${event.kind}`, params);
  }
}

/** The status an event claims for its message, before precedence. `null`: it claims none. */
function claimedStatus(event: NormalizedEvent): MessageStatus | null {
  switch (event.kind) {
    case 'accepted':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'soft_bounce':
    case 'sender_block':
      return 'deferred';
    case 'hard_bounce':
      // "Bounced" is an email word; an SMS that reached no handset has "failed".
      return event.channel === 'email' ? 'bounced' : 'failed';
    case 'dropped':
      return 'dropped';
    case 'complaint':
      return 'complained';
    case 'opt_out':
    case 'failed':
      return 'failed';
    case 'delivery_delayed':
    case 'unsubscribe':
    case 'ignored':
      return null;
  }
}

/** The suppression an event claims for its address. `null`: none. */
function claimedAddressState(event: NormalizedEvent): AddressState | null {
  switch (event.kind) {
    case 'hard_bounce':
      return 'failed';
    case 'complaint':
      return 'complained';
    case 'unsubscribe':
      return 'unsubscribed';
    case 'opt_out':
      return 'opted_out';
    case 'dropped':
      switch (event.dropReason) {
        case 'bounced':
        case 'invalid':
          return 'failed';
        case 'complained':
          return 'complained';
        case 'unsubscribed':
          return event.channel === 'sms' ? 'opted_out' : 'unsubscribed';
        default:
          return null;
      }
    default:
      return null;
  }
}

interface MessageOutcome {
  effect: MessageEffect | null;
  /** The message's retries ran out with this event. */
  exhausted: boolean;
  /** A soft bounce that counts against the address (not a stale or repeated one). */
  countsAsSoftBounce: boolean;
  /** Another soft bounce of the attempt already rescheduled: not counted, but still news of the mailbox at its time. */
  repeatsBounce?: boolean;
  note: ReasonPart | null;
}

function messageEffect(status: MessageStatus, nextAttemptAt: number | null, lastError: string | null, reason: ReasonPart): MessageEffect {
  return { status, nextAttemptAt, lastError, reason: englishReason([reason]), reasonData: [reason] };
}

/**
 * A refusal worth trying again: a soft bounce (which counts against the address) or a block about
 * the sender (which does not). The message is deferred on `retry`'s schedule, or fails when the
 * schedule has run out or there is none.
 */
function scheduleResend(input: DecisionInput, message: MessageState, retry: RetryPolicy | false, againstAddress: boolean): MessageOutcome {
  const { event, now } = input;
  const none = (note: ReasonPart): MessageOutcome => ({ effect: null, exhausted: false, countsAsSoftBounce: false, note });
  if (event.attempt !== null && event.attempt < message.attempts) {
    return none(reasonPart('message.staleAttempt', { attempt: event.attempt, current: message.attempts }));
  }
  if (message.status === 'deferred') return { ...none(reasonPart('message.alreadyScheduled')), repeatsBounce: againstAddress };
  if (messageRank(message.status) > messageRank('deferred')) {
    return none(reasonPart('message.softBounceAfterFinal', { status: message.status }));
  }
  const failedAttempts = Math.max(1, message.attempts);
  if (retry === false) {
    return { effect: messageEffect('failed', null, detail(event), reasonPart('message.senderBlockNotRetried')), exhausted: false, countsAsSoftBounce: false, note: null };
  }
  const retryAt = nextAttemptAt(retry, failedAttempts, message.firstAttemptAt ?? event.occurredAt, now);
  if (retryAt === null) {
    const lastError = `Retries exhausted after ${failedAttempts} attempt${failedAttempts === 1 ? '' : 's'} over ${retry.windowHours} h: ${detail(event)}`;
    // Only a soft bounce's exhaustion counts towards failing the address.
    return { effect: messageEffect('failed', null, lastError, reasonPart('message.exhausted')), exhausted: againstAddress, countsAsSoftBounce: againstAddress, note: null };
  }
  const deferred = reasonPart('message.deferred', { attempt: failedAttempts + 1, at: new Date(retryAt).toISOString() });
  return { effect: messageEffect('deferred', retryAt, detail(event), deferred), exhausted: false, countsAsSoftBounce: againstAddress, note: null };
}

function decideMessage(input: DecisionInput): MessageOutcome {
  const { event, message, policy } = input;
  const none = (note: ReasonPart | null): MessageOutcome => ({ effect: null, exhausted: false, countsAsSoftBounce: false, note });
  if (!message) return { ...none(null), countsAsSoftBounce: event.kind === 'soft_bounce' };

  const claimed = claimedStatus(event);
  const staleAttempt = event.attempt !== null && event.attempt < message.attempts;
  // Any report about the current attempt shows that the provider has it: no re-send is owed.
  if (isUnconfirmed(message) && !staleAttempt && (event.kind === 'accepted' || event.kind === 'delivery_delayed')) {
    return { ...none(null), effect: messageEffect('sent', null, message.lastError, reasonPart('message.confirmed')) };
  }
  if (event.kind === 'delivery_delayed') return none(reasonPart('message.stillHeld'));
  if (claimed === null) return none(null);

  if (event.kind === 'soft_bounce') return scheduleResend(input, message, policy.retry, true);
  if (event.kind === 'sender_block') return scheduleResend(input, message, senderBlockRetry(policy), false);

  if (messageRank(claimed) <= messageRank(message.status)) {
    return none(claimed === message.status ? null : reasonPart('message.noMoveBack', { status: message.status, claimed }));
  }
  const lastError = claimed === 'delivered' || claimed === 'sent' ? message.lastError : detail(event);
  return {
    effect: messageEffect(claimed, isFinalMessageStatus(claimed) ? null : message.nextAttemptAt, lastError, reasonPart('message.status', { status: claimed })),
    exhausted: false,
    countsAsSoftBounce: false,
    note: null,
  };
}

/** The address's domain, when it is one of the two-strike domains (the institution's own). */
function twoStrikeDomain(input: DecisionInput): string | null {
  const { event, policy } = input;
  if (event.channel !== 'email') return null;
  const domain = event.address.slice(event.address.lastIndexOf('@') + 1).trim().toLowerCase();
  const domains = (policy.twoStrike ?? DEFAULT_TWO_STRIKE_POLICY).domains;
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`)) ? domain : null;
}

function isTwoStrikeAddress(input: DecisionInput): boolean {
  return twoStrikeDomain(input) !== null;
}

/**
 * A hard bounce at one of the institution's domains: the first only records a strike (a campus
 * mailbox that is not provisioned yet comes back); a second within the window suppresses. A strike
 * older than the last delivery is history: the mailbox worked after it.
 */
function twoStrike(input: DecisionInput, next: AddressLedgerState): { suppress: boolean; note: ReasonPart } {
  const { event, policy } = input;
  const { windowDays } = policy.twoStrike ?? DEFAULT_TWO_STRIKE_POLICY;
  const params = { domain: twoStrikeDomain(input) ?? '', days: windowDays };
  const previous = next.lastStrikeAt;
  if (previous !== null && Math.abs(event.occurredAt - previous) <= windowDays * DAY) {
    next.lastStrikeAt = null;
    return { suppress: true, note: reasonPart('address.secondStrike', params) };
  }
  if (next.lastDeliveredAt !== null && event.occurredAt < next.lastDeliveredAt) {
    return { suppress: false, note: reasonPart('address.strikeBeforeDelivery', params) };
  }
  next.lastStrikeAt = Math.max(previous ?? event.occurredAt, event.occurredAt);
  return { suppress: false, note: reasonPart('address.firstStrike', params) };
}

/** `remarks` receives what the explanation should say even when the address's state does not change. */
function decideAddress(input: DecisionInput, messageOutcome: MessageOutcome, remarks: ReasonPart[]): AddressEffect | null {
  const { event, policy } = input;
  const current = input.address ?? NEW_ADDRESS;
  if (current.reactivatedAt !== null && event.occurredAt < current.reactivatedAt) return null;

  const next: AddressLedgerState = { ...current };
  const notes: ReasonPart[] = [];
  /** `reason` is kept on the ledger, in English; `note` (default: the reason) goes into the decision's explanation. */
  const suppress = (state: AddressState, reason: ReasonPart, note: ReasonPart = reason): void => {
    const wins =
      addressRank(state) > addressRank(next.state) ||
      (state === next.state &&
        next.stateEventAt !== null &&
        (event.occurredAt < next.stateEventAt || (event.occurredAt === next.stateEventAt && event.eventKey < (next.stateEventKey ?? ''))));
    if (!wins) return;
    next.state = state;
    next.reason = englishReason([reason]);
    next.providerCode = event.rawCode;
    next.stateEventAt = event.occurredAt;
    next.stateEventKey = event.eventKey;
    notes.push(note);
  };

  if (event.kind === 'delivered') {
    next.lastDeliveredAt = Math.max(current.lastDeliveredAt ?? event.occurredAt, event.occurredAt);
    const newerThanBounces = current.lastSoftBounceAt === null || event.occurredAt >= current.lastSoftBounceAt;
    // A mailbox that takes mail after a first strike has come back: the strike is forgotten.
    if (current.lastStrikeAt !== null && event.occurredAt > current.lastStrikeAt) next.lastStrikeAt = null;
    if (newerThanBounces) {
      next.softBounceCount = 0;
      next.exhaustedStreak = 0;
      if (current.state === 'soft_bouncing') {
        next.state = 'active';
        next.reason = 'Delivered again after soft bounces.';
        next.providerCode = null;
        next.stateEventAt = event.occurredAt;
        next.stateEventKey = event.eventKey;
        notes.push(reasonPart('address.streakCleared'));
      }
    }
  }

  // A repeat of a bounce of the attempt already rescheduled is news of the mailbox at its time too:
  // which of two bounces of one attempt arrives first must not decide whether a delivery between
  // them clears the address. Only the bounce that counts adds to the counters.
  if (event.kind === 'soft_bounce' && (messageOutcome.countsAsSoftBounce || messageOutcome.repeatsBounce)) {
    const afterDelivery = current.lastDeliveredAt === null || event.occurredAt > current.lastDeliveredAt;
    if (afterDelivery) {
      next.lastSoftBounceAt = Math.max(current.lastSoftBounceAt ?? event.occurredAt, event.occurredAt);
      if (messageOutcome.countsAsSoftBounce) next.softBounceCount = current.softBounceCount + 1;
      if (next.state === 'active') {
        next.state = 'soft_bouncing';
        next.reason = englishPhrase(describeEvent(event));
        next.providerCode = event.rawCode;
        next.stateEventAt = event.occurredAt;
        next.stateEventKey = event.eventKey;
        notes.push(reasonPart('address.softBouncing'));
      }
      if (policy.escalation.mode === 'score' && messageOutcome.countsAsSoftBounce) {
        const quiet = current.lastSoftBounceAt !== null && event.occurredAt - current.lastSoftBounceAt > policy.escalation.resetAfterDays * DAY;
        next.bounceScore = (quiet ? 0 : current.bounceScore) + policy.escalation.softBounce;
        if (next.bounceScore >= policy.escalation.threshold) {
          suppress('failed', reasonPart('address.scoreReached', { score: next.bounceScore, threshold: policy.escalation.threshold }));
        }
      }
    }
    if (messageOutcome.exhausted) {
      next.exhaustedStreak = current.exhaustedStreak + 1;
      if (policy.escalation.mode === 'streak' && next.exhaustedStreak >= policy.escalation.exhaustedMessages) {
        suppress('failed', reasonPart('address.streakReached', { count: next.exhaustedStreak, detail: detail(event) }));
      }
    }
  }

  const claimed = claimedAddressState(event);
  if (claimed === 'failed' && isTwoStrikeAddress(input)) {
    const strike = twoStrike(input, next);
    if (strike.suppress) suppress(claimed, describeEvent(event), strike.note);
    else remarks.push(strike.note);
  } else if (claimed !== null) {
    suppress(claimed, describeEvent(event), reasonPart(`address.marked.${event.channel}`, { state: claimed }));
  }

  const changed = (Object.keys(next) as (keyof AddressLedgerState)[]).some((key) => next[key] !== current[key]);
  if (!changed) return null;
  return { next, stateChanged: next.state !== current.state, notes };
}

export function decide(input: DecisionInput): Decision {
  const messageOutcome = decideMessage(input);
  const remarks: ReasonPart[] = [];
  const address = decideAddress(input, messageOutcome, remarks);
  const contact: ContactMirrorEffect | null =
    address && address.stateChanged ? { status: address.next.state, reason: address.next.reason, at: input.now } : null;

  const parts = [describeEvent(input.event)];
  if (messageOutcome.effect) parts.push(...messageOutcome.effect.reasonData);
  if (messageOutcome.note) parts.push(messageOutcome.note);
  if (address?.stateChanged) parts.push(...address.notes);
  parts.push(...remarks);
  if (input.event.kind === 'sender_block') parts.push(reasonPart('address.senderBlockUntouched'));
  if (!input.message && input.event.kind !== 'ignored') parts.push(reasonPart('decision.noMessage'));
  if (input.address?.reactivatedAt != null && input.event.occurredAt < input.address.reactivatedAt) {
    parts.push(reasonPart('decision.beforeReactivation'));
  }
  const appliedSomething = messageOutcome.effect !== null || (address !== null && address.stateChanged);
  return {
    outcome: appliedSomething ? 'applied' : 'no_change',
    reason: englishReason(parts),
    reasonData: parts,
    message: messageOutcome.effect,
    address,
    contact,
  };
}
