import type { Core } from '@strapi/strapi';
import { SUPPRESSED_STATES, type AddressState } from '../core/statuses';
import type { Channel } from '../core/events';
import type { WorklistItem, WorklistPage } from '../contract';
import { getService, table, toIso, type Row } from '../utils/plugin';
import { addressField, type ContactSource } from './contacts';

/**
 * The advisors' worklist: students who cannot be reached, because an address failed (or is
 * suppressed) and they have no working alternative on the other channel, newest failure first,
 * each with what failed and why. Read from the contacts' status mirrors, so a contact type without
 * mirror fields is not listed (`unlistedTypes` says which).
 */

/** Most students one channel's query returns; a list longer than this is a problem of another order. */
const MAX_PER_CHANNEL = 5000;

const OTHER: Record<Channel, Channel> = { email: 'sms', sms: 'email' };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** Contacts whose `channel` address is suppressed (in `states`) and whose other address is missing or suppressed too. */
  async function stranded(source: ContactSource, channel: Channel, states: readonly AddressState[]): Promise<Row[]> {
    const mirror = source.mirror[channel]!;
    const field = addressField(source, channel)!;
    const where: Record<string, unknown> = { [field]: { $notNull: true }, [mirror.status]: { $in: [...states] } };
    const otherField = addressField(source, OTHER[channel]);
    const otherMirror = source.mirror[OTHER[channel]];
    // A type without the other channel (or without its mirror) has no alternative the plugin can vouch for.
    if (otherField && otherMirror) {
      where.$or = [{ [otherField]: null }, { [otherMirror.status]: { $in: [...SUPPRESSED_STATES] } }];
    }
    return table(strapi, source.uid).findMany({ where, orderBy: [{ [mirror.at]: 'desc' }], limit: MAX_PER_CHANNEL });
  }

  function itemOf(source: ContactSource, row: Row): WorklistItem {
    const contacts = getService(strapi, 'contacts');
    const addresses = (['email', 'sms'] as const).flatMap((channel) => {
      const mirror = source.mirror[channel];
      const field = addressField(source, channel);
      if (!mirror || !field || typeof row[field] !== 'string') return [];
      const state = (row[mirror.status] as AddressState | null) ?? 'active';
      return [
        {
          channel,
          address: row[field] as string,
          state,
          reason: (row[mirror.reason] as string | null) ?? null,
          since: toIso(row[mirror.at]),
        },
      ];
    });
    const since =
      addresses
        .filter((a) => SUPPRESSED_STATES.includes(a.state))
        .map((a) => a.since ?? '')
        .sort()
        .pop() || null;
    return { contact: contacts.summarize(source, row), addresses, since };
  }

  return {
    async list(filters: { state: AddressState | null; page: number; pageSize: number }): Promise<WorklistPage> {
      const states = filters.state ? [filters.state] : SUPPRESSED_STATES;
      const items = new Map<string, WorklistItem>();
      const unlistedTypes: string[] = [];
      for (const source of getService(strapi, 'contacts').sources()) {
        const channels = (['email', 'sms'] as const).filter((c) => source.mirror[c] && addressField(source, c));
        if (channels.length === 0) unlistedTypes.push(source.uid);
        for (const channel of channels) {
          for (const row of await stranded(source, channel, states)) items.set(`${source.uid}:${row.documentId}`, itemOf(source, row));
        }
      }
      const sorted = [...items.values()].sort(
        (a, b) => (b.since ?? '').localeCompare(a.since ?? '') || a.contact.displayName.localeCompare(b.contact.displayName),
      );
      const start = (filters.page - 1) * filters.pageSize;
      return {
        results: sorted.slice(start, start + filters.pageSize),
        pagination: {
          page: filters.page,
          pageSize: filters.pageSize,
          pageCount: Math.ceil(sorted.length / filters.pageSize),
          total: sorted.length,
        },
        unlistedTypes,
      };
    },
  };
};
