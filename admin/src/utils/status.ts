import { ADDRESS_STATES, MESSAGE_STATUSES, SUPPRESSED_STATES, type AddressState, type MessageStatus } from '../../../server/src/core/statuses';
import { CHANNELS, UNMATCHED_OUTCOMES, type Channel } from '../../../server/src/core/events';
import type { TranslationKey } from './translations';

/** The statuses and channels come from the server's one definition, so the admin cannot drift from it. */
export { ADDRESS_STATES, CHANNELS, MESSAGE_STATUSES, UNMATCHED_OUTCOMES };
export type { AddressState, Channel, MessageStatus };

export const MESSAGE_SOURCES = ['touchpoint', 'grab', 'manual', 'api'] as const;

export function isSuppressedState(state: AddressState): boolean {
  return SUPPRESSED_STATES.includes(state);
}

/**
 * Which badge an address gets: the red X when nothing will be sent to it (failed, complained,
 * unsubscribed, opted out), amber while it is soft-bouncing, none while it is fine.
 */
export function addressBadgeKind(state: AddressState | null | undefined): 'danger' | 'warning' | null {
  if (!state || state === 'active') return null;
  return state === 'soft_bouncing' ? 'warning' : 'danger';
}

// Explicit tables rather than built keys: the type check then proves every status has its string.
const ADDRESS_STATE_KEYS: Record<AddressState, TranslationKey> = {
  active: 'address.state.active',
  soft_bouncing: 'address.state.soft_bouncing',
  failed: 'address.state.failed',
  complained: 'address.state.complained',
  unsubscribed: 'address.state.unsubscribed',
  opted_out: 'address.state.opted_out',
};
const MESSAGE_STATUS_KEYS: Record<MessageStatus, TranslationKey> = {
  queued: 'message.status.queued',
  sent: 'message.status.sent',
  deferred: 'message.status.deferred',
  delivered: 'message.status.delivered',
  dropped: 'message.status.dropped',
  failed: 'message.status.failed',
  bounced: 'message.status.bounced',
  complained: 'message.status.complained',
};
const CHANNEL_KEYS: Record<Channel, TranslationKey> = { email: 'channel.email', sms: 'channel.sms' };
const SOURCE_KEYS: Record<(typeof MESSAGE_SOURCES)[number], TranslationKey> = {
  touchpoint: 'message.source.touchpoint',
  grab: 'message.source.grab',
  manual: 'message.source.manual',
  api: 'message.source.api',
};

export const addressStateKey = (state: AddressState): TranslationKey => ADDRESS_STATE_KEYS[state] ?? 'address.state.active';
export const messageStatusKey = (status: MessageStatus): TranslationKey => MESSAGE_STATUS_KEYS[status] ?? 'message.status.queued';
export const channelKey = (channel: Channel): TranslationKey => CHANNEL_KEYS[channel];
export const sourceKey = (source: string): TranslationKey =>
  // `verification`: a message the plugin sent to confirm an address (server/src/services/verification.ts).
  source === 'verification' ? 'message.source.verification' : (SOURCE_KEYS[source as keyof typeof SOURCE_KEYS] ?? 'message.source.api');

/**
 * Each message status has its own colour, from the design system's palette, so that Bounced and
 * Failed (both red families) still look different: a light badge for a bounce, a solid one for a
 * failure. `chart` is the same family at full strength, for bars.
 */
export const MESSAGE_STATUS_COLOURS: Record<MessageStatus, { background: string; text: string; chart: string }> = {
  queued: { background: 'neutral150', text: 'neutral700', chart: 'neutral300' },
  sent: { background: 'secondary100', text: 'secondary700', chart: 'secondary500' },
  deferred: { background: 'warning100', text: 'warning700', chart: 'warning500' },
  delivered: { background: 'success100', text: 'success700', chart: 'success500' },
  dropped: { background: 'neutral700', text: 'neutral0', chart: 'neutral600' },
  failed: { background: 'danger600', text: 'neutral0', chart: 'danger700' },
  bounced: { background: 'danger100', text: 'danger700', chart: 'danger500' },
  complained: { background: 'alternative100', text: 'alternative700', chart: 'alternative500' },
};
