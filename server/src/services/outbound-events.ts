import type { Core } from '@strapi/strapi';
import type { Channel } from '../core/events';
import type { AddressState, MessageStatus } from '../core/statuses';
import { getService, type Row } from '../utils/plugin';

/**
 * The plugin's events in Strapi's own webhooks (Settings → Webhooks), so that an institution's
 * other systems (the student record system, a helpdesk) hear when an address stops working, is
 * fixed, or a message fails. Emitted on Strapi's event hub after the change has committed;
 * Strapi's webhook runner posts them to every webhook subscribed to the event.
 */

export const OUTBOUND_EVENTS = {
  DELIVERABILITY_ADDRESS_SUPPRESSED: 'deliverability.address.suppressed',
  DELIVERABILITY_ADDRESS_REACTIVATED: 'deliverability.address.reactivated',
  DELIVERABILITY_MESSAGE_FAILED: 'deliverability.message.failed',
} as const;

export type OutboundEventName = (typeof OUTBOUND_EVENTS)[keyof typeof OUTBOUND_EVENTS];

/** The message statuses announced as `deliverability.message.failed`. */
export const FAILED_MESSAGE_STATUSES: readonly MessageStatus[] = ['bounced', 'failed', 'dropped'];

export interface ContactRef {
  type: string;
  documentId: string;
}

/** A change of an address's state: suppressed, or reactivated by an editor. */
export interface AddressAnnouncement {
  event: 'deliverability.address.suppressed' | 'deliverability.address.reactivated';
  channel: Channel;
  address: string;
  state: AddressState;
  reason: string | null;
  /** Every contact using the address; looked up when the caller does not already know them. */
  contacts?: ContactRef[];
}

/** A message that ended bounced, failed or dropped. */
export interface MessageAnnouncement {
  event: 'deliverability.message.failed';
  message: { id: string; status: MessageStatus; reason: string | null; lastError: string | null; source: string | null; sourceName: string | null };
  channel: Channel;
  address: string;
  contact: ContactRef | null;
}

export type Announcement = AddressAnnouncement | MessageAnnouncement;

/** A `deliverability.message.failed` announcement for a log row. */
export function messageFailed(row: Row, status: MessageStatus, reason: string | null, lastError: string | null): Announcement {
  return {
    event: 'deliverability.message.failed',
    message: {
      id: row.documentId,
      status,
      reason,
      lastError,
      source: (row.source as string | null) ?? null,
      sourceName: (row.sourceName as string | null) ?? null,
    },
    channel: row.channel as Channel,
    address: row.address as string,
    contact: row.contactDocumentId ? { type: row.contactType as string, documentId: row.contactDocumentId as string } : null,
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Makes the events selectable for Strapi webhooks (the admin's webhook API validates against this list). */
  register(): void {
    const store = strapi.get('webhookStore') as { addAllowedEvent(key: string, value: string): void };
    for (const [key, value] of Object.entries(OUTBOUND_EVENTS)) store.addAllowedEvent(key, value);
  },

  /**
   * Announces committed changes. An address event names every contact that uses the address (the
   * student's type and document id); a message event names the message's contact. Never throws:
   * a failure to announce must not turn a processed webhook into a 5xx that the provider retries.
   */
  async announce(announcements: Announcement[]): Promise<void> {
    if (announcements.length === 0) return;
    try {
      const contacts = getService(strapi, 'contacts');
      for (const announcement of announcements) {
        if (announcement.event === 'deliverability.message.failed') {
          const { event, ...info } = announcement;
          await strapi.eventHub.emit(event, info);
        } else {
          const { event, ...info } = announcement;
          const refs = info.contacts ?? (await contacts.findByAddress(info.channel, info.address)).map((c): ContactRef => ({ type: c.type, documentId: c.documentId }));
          await strapi.eventHub.emit(event, { ...info, contacts: refs });
        }
      }
    } catch (error) {
      strapi.log.error(`[deliverability] could not announce ${announcements.length} change(s) to Strapi webhooks: ${(error as Error).message}`);
    }
  },
});
