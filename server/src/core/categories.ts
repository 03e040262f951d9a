/**
 * Message categories (critical, transactional, marketing, and any a site adds) and what each may
 * do: the one place that says whether a message may go to an address in a given state, whether
 * it falls back to the other channel, and whether its bulk email carries one-click unsubscribe.
 * Pure: no Strapi, no I/O.
 */
import type { Channel } from './events';
import { isSuppressed, type AddressState } from './statuses';

export interface CategoryPolicy {
  /** Whether a message of this category may go to an address that unsubscribed (email) from other mail. */
  sendToUnsubscribed: boolean;
  /** Whether a failed message (dropped at an unusable address, bounced, failed) is sent again on the other channel. */
  fallback: boolean;
  /** Whether this category's bulk email carries RFC 8058 one-click unsubscribe headers. */
  oneClickUnsubscribe: boolean;
}

export type CategoryPolicies = Readonly<Record<string, CategoryPolicy>>;

/**
 * The defaults. Transactional and critical mail is what a student cannot opt out of (a receipt, a
 * registration hold): an unsubscribe from newsletters does not stop it. Only critical messages are
 * worth an SMS when the email fails.
 */
export const DEFAULT_CATEGORY_POLICIES: CategoryPolicies = {
  critical: { sendToUnsubscribed: true, fallback: true, oneClickUnsubscribe: false },
  transactional: { sendToUnsubscribed: true, fallback: false, oneClickUnsubscribe: false },
  marketing: { sendToUnsubscribed: false, fallback: false, oneClickUnsubscribe: true },
};

/**
 * A message sent without a category (every message before categories existed, and single sends
 * that name none) keeps the rule it always had: every suppressed state drops it; no fallback.
 */
export const UNCATEGORISED_POLICY: CategoryPolicy = { sendToUnsubscribed: false, fallback: false, oneClickUnsubscribe: false };

/** A bulk send is newsletter-like unless it says otherwise. */
export const DEFAULT_BULK_CATEGORY = 'marketing';

/** Lowercase letters, digits, `-` and `_`, starting with a letter: safe in a URL, a header and a column. */
export const CATEGORY_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * The policy of a stored message's category. A category a site has since removed from its config
 * is treated as uncategorised, the strictest rule, rather than failing the send.
 */
export function categoryPolicyOf(policies: CategoryPolicies, category: string | null | undefined): CategoryPolicy {
  if (!category) return UNCATEGORISED_POLICY;
  return Object.prototype.hasOwnProperty.call(policies, category) ? policies[category] : UNCATEGORISED_POLICY;
}

/**
 * Whether an address in `state` refuses a message of this category. A hard-bounced (`failed`),
 * `complained` or SMS `opted_out` address refuses every message, whatever its category says;
 * `unsubscribed` refuses only categories that do not send to unsubscribed addresses.
 */
export function refusesCategory(policy: CategoryPolicy, state: AddressState): boolean {
  if (state === 'unsubscribed') return !policy.sendToUnsubscribed;
  return isSuppressed(state);
}

/** `refusesCategory` for a stored message's category: the drop decision of the send path and of "retry now". */
export function refusesMessageOf(policies: CategoryPolicies, category: string | null | undefined, state: AddressState): boolean {
  return refusesCategory(categoryPolicyOf(policies, category), state);
}

/** Whether the bulk email of `category` carries one-click unsubscribe (marketing yes; critical and transactional no). */
export function carriesOneClickUnsubscribe(policies: CategoryPolicies, category: string | null | undefined): boolean {
  return categoryPolicyOf(policies, category).oneClickUnsubscribe;
}

/** The channel a fallback goes out on. */
export function otherChannel(channel: Channel): Channel {
  return channel === 'email' ? 'sms' : 'email';
}
