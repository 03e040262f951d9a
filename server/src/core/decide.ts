/**
 * The decision rules: one event × the current state of its message and address → the effects,
 * each with the reason an editor reads in Full Logs. Pure: no Strapi, no clock, no I/O.
 *
 * Order-independence comes from three choices:
 * - a message status only moves up the rank order of `statuses.ts`;
 * - an address's suppression state only moves up its rank order, ties going to the earliest event;
 * - soft-bounce and delivery facts are compared by the provider's event time, not arrival time.
 */

import { nextAttemptAt } from './backoff';
import type { NormalizedEvent } from './events';
import type { DecisionPolicy } from './policy';
import {
  ADDRESS_STATE_LABELS,
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
};

export interface MessageEffect {
  status: MessageStatus;
  nextAttemptAt: number | null;
  lastError: string | null;
  reason: string;
}

export interface AddressEffect {
  next: AddressLedgerState;
  /** True when `state` itself changed (the contact mirror follows). */
  stateChanged: boolean;
  reason: string;
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

const PROVIDER_LABELS: Record<NormalizedEvent['provider'], string> = {
  sendgrid: 'SendGrid',
  mailgun: 'Mailgun',
  postmark: 'Postmark',
  ses: 'Amazon SES',
  twilio: 'Twilio',
  vonage: 'Vonage',
  sandbox: 'the sandbox',
  smtp: 'the SMTP server',
};

function detail(event: NormalizedEvent): string {
  const parts = [event.rawCode, event.rawText].filter((part): part is string => Boolean(part && part.trim()));
  return parts.length > 0 ? parts.join(' ') : event.rawType;
}

/** Ends a phrase with a full stop, unless the provider's own text already ended it. */
function asSentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function describeEvent(event: NormalizedEvent): string {
  const via = PROVIDER_LABELS[event.provider];
  const what = detail(event);
  switch (event.kind) {
    case 'accepted':
      return `${via} accepted the message`;
    case 'delivered':
      return `${via} reports the message delivered`;
    case 'delivery_delayed':
      return `${via} is still retrying the message itself (${what})`;
    case 'soft_bounce':
      return event.channel === 'sms' ? `Temporary SMS failure from ${via}: ${what}` : `Soft bounce from ${via}: ${what}`;
    case 'hard_bounce':
      return event.channel === 'sms' ? `Permanent SMS error from ${via}: ${what}` : `Hard bounce from ${via}: ${what}`;
    case 'dropped':
      return `${via} dropped the message without sending it (${what})`;
    case 'complaint':
      return `Spam complaint reported by ${via}`;
    case 'unsubscribe':
      return `Unsubscribe reported by ${via}`;
    case 'opt_out':
      return `The recipient opted out of SMS (${what})`;
    case 'failed':
      return `${via} failed the message for a reason that is not the ${event.channel === 'sms' ? 'number' : 'address'}'s fault: ${what}`;
    case 'ignored':
      return `${via} event "${event.rawType}" has no effect on delivery`;
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
  note: string | null;
}

function decideMessage(input: DecisionInput): MessageOutcome {
  const { event, message, policy, now } = input;
  const none = (note: string | null): MessageOutcome => ({ effect: null, exhausted: false, countsAsSoftBounce: false, note });
  if (!message) return { ...none(null), countsAsSoftBounce: event.kind === 'soft_bounce' };

  const claimed = claimedStatus(event);
  const staleAttempt = event.attempt !== null && event.attempt < message.attempts;
  // Any report about the current attempt shows that the provider has it: no re-send is owed.
  if (isUnconfirmed(message) && !staleAttempt && (event.kind === 'accepted' || event.kind === 'delivery_delayed')) {
    const reason = 'The provider confirmed it has the message; it will not be sent again.';
    return { ...none(null), effect: { status: 'sent', nextAttemptAt: null, lastError: message.lastError, reason } };
  }
  if (event.kind === 'delivery_delayed') return none('Not re-sent: the provider still holds the message.');
  if (claimed === null) return none(null);

  if (event.kind === 'soft_bounce') {
    if (staleAttempt) return none(`It concerns attempt ${event.attempt}; attempt ${message.attempts} is already under way.`);
    if (message.status === 'deferred') return none('A re-send is already scheduled.');
    if (messageRank(message.status) > messageRank('deferred')) {
      return none(`The message is already ${message.status}; a soft bounce does not undo that.`);
    }
    const firstAttemptAt = message.firstAttemptAt ?? event.occurredAt;
    const failedAttempts = Math.max(1, message.attempts);
    const retryAt = nextAttemptAt(policy.retry, failedAttempts, firstAttemptAt, now);
    if (retryAt === null) {
      const lastError = `Retries exhausted after ${failedAttempts} attempt${failedAttempts === 1 ? '' : 's'} over ${policy.retry.windowHours} h: ${detail(event)}`;
      return {
        effect: { status: 'failed', nextAttemptAt: null, lastError, reason: 'Failed: retries exhausted.' },
        exhausted: true,
        countsAsSoftBounce: true,
        note: null,
      };
    }
    return {
      effect: {
        status: 'deferred',
        nextAttemptAt: retryAt,
        lastError: detail(event),
        reason: `Deferred: attempt ${failedAttempts + 1} scheduled for ${new Date(retryAt).toISOString()}.`,
      },
      exhausted: false,
      countsAsSoftBounce: true,
      note: null,
    };
  }

  if (messageRank(claimed) <= messageRank(message.status)) {
    return none(
      claimed === message.status
        ? null
        : `The message is already ${message.status}; a later-arriving "${claimed}" does not move it back.`,
    );
  }
  const lastError = claimed === 'delivered' || claimed === 'sent' ? message.lastError : detail(event);
  return {
    effect: { status: claimed, nextAttemptAt: isFinalMessageStatus(claimed) ? null : message.nextAttemptAt, lastError, reason: `Message ${claimed}.` },
    exhausted: false,
    countsAsSoftBounce: false,
    note: null,
  };
}

function decideAddress(input: DecisionInput, messageOutcome: MessageOutcome): AddressEffect | null {
  const { event, policy } = input;
  const current = input.address ?? NEW_ADDRESS;
  if (current.reactivatedAt !== null && event.occurredAt < current.reactivatedAt) return null;

  const next: AddressLedgerState = { ...current };
  const reasons: string[] = [];
  /** `reason` is kept on the ledger; `note` (default: the reason) goes into the decision's explanation. */
  const suppress = (state: AddressState, reason: string, note: string = reason): void => {
    const wins =
      addressRank(state) > addressRank(next.state) ||
      (state === next.state &&
        next.stateEventAt !== null &&
        (event.occurredAt < next.stateEventAt || (event.occurredAt === next.stateEventAt && event.eventKey < (next.stateEventKey ?? ''))));
    if (!wins) return;
    next.state = state;
    next.reason = reason;
    next.providerCode = event.rawCode;
    next.stateEventAt = event.occurredAt;
    next.stateEventKey = event.eventKey;
    reasons.push(note);
  };

  if (event.kind === 'delivered') {
    next.lastDeliveredAt = Math.max(current.lastDeliveredAt ?? event.occurredAt, event.occurredAt);
    const newerThanBounces = current.lastSoftBounceAt === null || event.occurredAt >= current.lastSoftBounceAt;
    if (newerThanBounces) {
      next.softBounceCount = 0;
      next.exhaustedStreak = 0;
      if (current.state === 'soft_bouncing') {
        next.state = 'active';
        next.reason = 'Delivered again after soft bounces.';
        next.providerCode = null;
        next.stateEventAt = event.occurredAt;
        next.stateEventKey = event.eventKey;
        reasons.push('Delivered: the soft-bounce streak is cleared.');
      }
    }
  }

  if (event.kind === 'soft_bounce' && messageOutcome.countsAsSoftBounce) {
    const afterDelivery = current.lastDeliveredAt === null || event.occurredAt > current.lastDeliveredAt;
    if (afterDelivery) {
      next.lastSoftBounceAt = Math.max(current.lastSoftBounceAt ?? event.occurredAt, event.occurredAt);
      next.softBounceCount = current.softBounceCount + 1;
      if (next.state === 'active') {
        next.state = 'soft_bouncing';
        next.reason = describeEvent(event);
        next.providerCode = event.rawCode;
        next.stateEventAt = event.occurredAt;
        next.stateEventKey = event.eventKey;
        reasons.push('The address is soft-bouncing.');
      }
      if (policy.escalation.mode === 'score') {
        const quiet = current.lastSoftBounceAt !== null && event.occurredAt - current.lastSoftBounceAt > policy.escalation.resetAfterDays * DAY;
        next.bounceScore = (quiet ? 0 : current.bounceScore) + policy.escalation.softBounce;
        if (next.bounceScore >= policy.escalation.threshold) {
          suppress(
            'failed',
            `Failed after repeated soft bounces: bounce score ${next.bounceScore} reached the threshold of ${policy.escalation.threshold}.`,
          );
        }
      }
    }
    if (messageOutcome.exhausted) {
      next.exhaustedStreak = current.exhaustedStreak + 1;
      if (policy.escalation.mode === 'streak' && next.exhaustedStreak >= policy.escalation.exhaustedMessages) {
        suppress(
          'failed',
          `Failed after ${next.exhaustedStreak} messages in a row ran out of retries with no delivery (last: ${detail(event)}).`,
        );
      }
    }
  }

  const claimed = claimedAddressState(event);
  if (claimed !== null) {
    const label = ADDRESS_STATE_LABELS[claimed].toLowerCase();
    suppress(
      claimed,
      asSentence(describeEvent(event)),
      `The ${event.channel === 'sms' ? 'number' : 'address'} is marked ${label} and will not be used again.`,
    );
  }

  const changed = (Object.keys(next) as (keyof AddressLedgerState)[]).some((key) => next[key] !== current[key]);
  if (!changed) return null;
  return { next, stateChanged: next.state !== current.state, reason: reasons.join(' ') };
}

export function decide(input: DecisionInput): Decision {
  const messageOutcome = decideMessage(input);
  const address = decideAddress(input, messageOutcome);
  const contact: ContactMirrorEffect | null =
    address && address.stateChanged ? { status: address.next.state, reason: address.next.reason, at: input.now } : null;

  const sentences = [asSentence(describeEvent(input.event))];
  if (messageOutcome.effect) sentences.push(messageOutcome.effect.reason);
  if (messageOutcome.note) sentences.push(messageOutcome.note);
  if (address?.stateChanged && address.reason) sentences.push(address.reason);
  if (!input.message && input.event.kind !== 'ignored') sentences.push('No message of ours matches this event.');
  if (input.address?.reactivatedAt != null && input.event.occurredAt < input.address.reactivatedAt) {
    sentences.push('It happened before the address was reactivated, so it does not suppress it again.');
  }
  const appliedSomething = messageOutcome.effect !== null || (address !== null && address.stateChanged);
  return {
    outcome: appliedSomething ? 'applied' : 'no_change',
    reason: sentences.filter((s) => s.trim().length > 0).join(' '),
    message: messageOutcome.effect,
    address,
    contact,
  };
}
