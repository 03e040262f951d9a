import type { Channel } from '../utils/status';

/**
 * The Content Manager's hooks are not told which content type they run for. The server marks
 * every contact type it tracks (its own Contact, and a site's student type mapped in the plugin
 * config) in `pluginOptions.deliverability`, which the Content Manager copies into
 * `layout.options`: `{ tracked: true, fields: { email, mobile }, mirror: ['email', 'sms'] }`.
 */
export interface Tracking {
  /** The attribute that holds each channel's address, or null when the type has none. */
  fields: Record<Channel, string | null>;
  /** Channels whose status the rows carry themselves (the mirror fields); others are looked up. */
  mirror: Channel[];
}

/** The mirror fields' names, the same on every type that has them. */
export const MIRROR = {
  email: { status: 'emailStatus', reason: 'emailStatusReason', at: 'emailStatusAt' },
  sms: { status: 'mobileStatus', reason: 'mobileStatusReason', at: 'mobileStatusAt' },
} as const;

const isChannel = (value: unknown): value is Channel => value === 'email' || value === 'sms';

export function tracking(layout: { options?: unknown } | null | undefined): Tracking | null {
  const options = (layout?.options as { deliverability?: { tracked?: unknown; fields?: unknown; mirror?: unknown } } | undefined)?.deliverability;
  if (options?.tracked !== true) return null;
  const fields = (options.fields ?? {}) as { email?: unknown; mobile?: unknown };
  const field = (value: unknown, fallback: string): string | null =>
    typeof value === 'string' && value !== '' ? value : value === null ? null : fallback;
  return {
    // The plugin's own Contact, marked in its schema before the server annotated it, uses these names.
    fields: { email: field(fields.email, 'email'), sms: field(fields.mobile, 'mobile') },
    mirror: Array.isArray(options.mirror) ? options.mirror.filter(isChannel) : ['email', 'sms'],
  };
}

export function isTracked(layout: { options?: unknown } | null | undefined): boolean {
  return tracking(layout) !== null;
}
