import type { EventView, ReclassifyBody } from '../utils/api';
import type { TranslationKey } from '../utils/translations';

/** What each stored event kind and outcome is called. Unknown ones (a newer server) fall back to a generic name. */
const KIND_KEYS: Record<string, TranslationKey> = {
  send_attempt: 'event.kind.send_attempt',
  accepted: 'event.kind.accepted',
  delivered: 'event.kind.delivered',
  delivery_delayed: 'event.kind.delivery_delayed',
  soft_bounce: 'event.kind.soft_bounce',
  hard_bounce: 'event.kind.hard_bounce',
  dropped: 'event.kind.dropped',
  complaint: 'event.kind.complaint',
  unsubscribe: 'event.kind.unsubscribe',
  opt_out: 'event.kind.opt_out',
  failed: 'event.kind.failed',
  sender_block: 'event.kind.sender_block',
  fallback: 'event.kind.fallback',
  ignored: 'event.kind.ignored',
};

const OUTCOME_KEYS: Record<string, TranslationKey> = {
  attempt: 'event.outcome.attempt',
  applied: 'event.outcome.applied',
  no_change: 'event.outcome.no_change',
  unmatched: 'event.outcome.unmatched',
  ignored: 'event.outcome.ignored',
  unreadable: 'event.outcome.unreadable',
};

export const eventKindKey = (kind: string): TranslationKey => KIND_KEYS[kind] ?? 'event.kind.other';
export const eventOutcomeKey = (outcome: string): TranslationKey => OUTCOME_KEYS[outcome] ?? 'event.outcome.other';

/** The readings of a refusal an editor can choose between (the server's RECLASSIFIABLE_KINDS). */
export const RECLASSIFY_KINDS: ReclassifyBody['kind'][] = ['hard_bounce', 'soft_bounce', 'sender_block', 'failed'];

/** Whether an event is a refusal an editor may correct. */
export const isReclassifiable = (event: EventView): boolean => (RECLASSIFY_KINDS as string[]).includes(event.kind);
