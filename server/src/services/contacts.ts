import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import type { Channel } from '../core/events';
import type { AddressState } from '../core/statuses';
import type { ContactSourceConfig } from '../config/types';
import { getService, table, type Row } from '../utils/plugin';
import type { ContactRef, ContactSummary } from '../contract';

// Intake and the contact index name contacts by this module's types.
export type { ContactRef, ContactSummary };

/**
 * The contact-source module: the only place that knows which content types hold contacts and
 * which of their fields are the email, the mobile and the status mirrors. Everything keyed by a
 * contact goes through here, so that a site's own student type can stand in for ours.
 */
export interface ContactSource {
  uid: string;
  fields: {
    email: string | null;
    mobile: string | null;
    externalId: string | null;
    displayName: string[];
    /** The student's IANA time zone, for quiet hours (null: the site's zone). */
    timeZone: string | null;
  };
  /** Mirror fields per channel, where the type has them. */
  mirror: Partial<Record<Channel, { status: string; reason: string; at: string }>>;
}

export interface MirrorUpdate {
  status: AddressState;
  reason: string | null;
  at: number;
}

/** The status mirror fields, by channel. A host type that adds fields of these names gets them kept in sync. */
export const MIRROR_FIELDS: Record<Channel, { status: string; reason: string; at: string }> = {
  email: {
    status: 'emailStatus',
    reason: 'emailStatusReason',
    at: 'emailStatusAt',
  },
  sms: {
    status: 'mobileStatus',
    reason: 'mobileStatusReason',
    at: 'mobileStatusAt',
  },
};

type Attributes = Record<string, { type?: string }>;

/** Checks a configured contact type against the loaded schemas; throws an error naming the type and field. */
export function resolveContactSource(config: ContactSourceConfig, attributesOf: (uid: string) => Attributes | null): ContactSource {
  const attributes = attributesOf(config.uid);
  if (!attributes) {
    throw new Error(
      `deliverability.contacts: the content type "${config.uid}" does not exist. Check the uid, or remove it from the contacts list.`,
    );
  }
  const mapped = [config.fields.email, config.fields.mobile, config.fields.externalId, config.fields.timeZone, ...config.fields.displayName].filter(
    (f): f is string => Boolean(f),
  );
  for (const field of mapped) {
    if (!attributes[field]) {
      throw new Error(
        `deliverability.contacts: the content type "${config.uid}" has no field "${field}". Known fields: ${Object.keys(attributes).join(', ')}.`,
      );
    }
  }
  const mirror: ContactSource['mirror'] = {};
  for (const channel of ['email', 'sms'] as const) {
    const names = MIRROR_FIELDS[channel];
    const hasAddress = channel === 'email' ? config.fields.email : config.fields.mobile;
    if (hasAddress && attributes[names.status] && attributes[names.reason] && attributes[names.at]) mirror[channel] = names;
  }
  return { uid: config.uid, fields: config.fields, mirror };
}

export function addressField(source: ContactSource, channel: Channel): string | null {
  return channel === 'email' ? source.fields.email : source.fields.mobile;
}

/** Most contacts `findByAddress` returns for one address (a send by address is linked to the first). */
const FIND_BY_ADDRESS_LIMIT = 100;

/** The key of a contact (type and document id) in the maps this module returns. */
export const refKey = (type: string, documentId: string): string => `${type}\u0000${documentId}`;

function groupByType(refs: ContactRef[]): Map<string, string[]> {
  const byType = new Map<string, string[]>();
  for (const ref of refs) byType.set(ref.type, [...(byType.get(ref.type) ?? []), ref.documentId]);
  return byType;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let resolved: ContactSource[] | null = null;
  const attributesOf = (uid: string): Attributes | null =>
    (strapi.contentTypes as unknown as Record<string, { attributes: Attributes } | undefined>)[uid]?.attributes ?? null;

  return {
    /** The configured contact types, checked against the schemas (at boot, by the plugin's register). */
    sources(): ContactSource[] {
      resolved ??= getService(strapi, 'config')
        .get()
        .contacts.map((config) => resolveContactSource(config, attributesOf));
      return resolved;
    },

    source(type: string): ContactSource | null {
      return this.sources().find((s) => s.uid === type) ?? null;
    },

    defaultType(): string {
      return this.sources()[0].uid;
    },

    summarize(source: ContactSource, row: Row): ContactSummary {
      const text = (field: string | null): string | null => {
        const value = field ? row[field] : null;
        return typeof value === 'string' && value.trim() !== '' ? value : null;
      };
      const name = source.fields.displayName
        .map((f) => text(f))
        .filter(Boolean)
        .join(' ');
      return {
        type: source.uid,
        documentId: row.documentId,
        displayName: name || text(source.fields.email) || text(source.fields.mobile) || row.documentId,
        externalId: text(source.fields.externalId),
        email: text(source.fields.email),
        mobile: text(source.fields.mobile),
      };
    },

    async find(ref: ContactRef): Promise<ContactSummary | null> {
      const source = this.source(ref.type);
      if (!source) return null;
      const row = await table(strapi, source.uid).findOne({
        where: { documentId: ref.documentId },
      });
      return row ? this.summarize(source, row) : null;
    },

    /**
     * The time zone field of each contact (keyed by `refKey`), for quiet hours: one query
     * per type that maps the field. Contacts of types without one, or not found, are left out.
     */
    async timeZonesOf(refs: ContactRef[]): Promise<Map<string, string>> {
      const zones = new Map<string, string>();
      for (const [type, ids] of groupByType(refs)) {
        const field = this.source(type)?.fields.timeZone;
        if (!field) continue;
        for (let i = 0; i < ids.length; i += 500) {
          const rows = await table(strapi, type).findMany({ select: ['documentId', field], where: { documentId: { $in: ids.slice(i, i + 500) } } });
          for (const row of rows) if (typeof row[field] === 'string' && row[field] !== '') zones.set(refKey(type, row.documentId), row[field] as string);
        }
      }
      return zones;
    },

    /**
     * Contacts that use an address, on every source, through the contact-address index: the
     * host's column holds the address as typed, which a normalized address does not match.
     */
    async findByAddress(channel: Channel, address: string): Promise<ContactSummary[]> {
      const refs = await getService(strapi, 'contact-index').contactsUsing(channel, address, FIND_BY_ADDRESS_LIMIT);
      const found = new Map<string, ContactSummary>();
      for (const [type, ids] of groupByType(refs)) {
        const source = this.source(type);
        if (!source) continue;
        const rows = await table(strapi, source.uid).findMany({ where: { documentId: { $in: ids } } });
        // A document with drafts or locales has several rows: the first one names it.
        for (const row of rows) if (!found.has(refKey(type, row.documentId))) found.set(refKey(type, row.documentId), this.summarize(source, row));
      }
      return refs.map((ref) => found.get(refKey(ref.type, ref.documentId))).filter((c): c is ContactSummary => c !== undefined);
    },

    /**
   * Before a contact of a host type is written: where the type has mirror fields and the write
   * sets an address, the mirror becomes that address's ledger status. The host's data is not
   * otherwise changed.
   */
  async mirrorOnWrite(source: ContactSource, data: Record<string, unknown>): Promise<void> {
    for (const channel of ['email', 'sms'] as const) {
      const field = addressField(source, channel);
      const mirror = source.mirror[channel];
      if (!field || !mirror || !(field in data)) continue;
      const raw = data[field];
      const address = typeof raw === 'string' ? normalizeAddress(channel, raw) : null;
      const { state, reason, at } = address
        ? await getService(strapi, 'ledger').stateOf(channel, address)
        : { state: 'active' as const, reason: null, at: null };
      Object.assign(data, { [mirror.status]: state, [mirror.reason]: reason, [mirror.at]: at });
    }
  },

    /**
     * Many addresses' mirrors at once (a webhook batch): one index query for all the (normalized)
     * addresses, then one UPDATE per contact type and distinct value rather than one per address.
     * Returns the contacts found, by `channel:address` (for the caller's announcements), and how
     * many rows were updated. Joins the caller's transaction.
     */
    async applyMirrors(
      updates: (MirrorUpdate & { channel: Channel; address: string })[],
    ): Promise<{ contacts: Map<string, ContactRef[]>; updated: number }> {
      const contacts = await getService(strapi, 'contact-index').contactsUsingMany(updates);
      const groups = new Map<string, { type: string; channel: Channel; update: MirrorUpdate; ids: string[] }>();
      for (const update of updates) {
        for (const ref of contacts.get(`${update.channel}:${update.address}`) ?? []) {
          const key = JSON.stringify([ref.type, update.channel, update.status, update.reason, update.at]);
          const group = groups.get(key) ?? { type: ref.type, channel: update.channel, update, ids: [] };
          group.ids.push(ref.documentId);
          groups.set(key, group);
        }
      }
      let updated = 0;
      for (const { type, channel, update, ids } of groups.values()) {
        const mirror = this.source(type)?.mirror[channel];
        if (!mirror) continue;
        for (let i = 0; i < ids.length; i += 500) {
          const result = await table(strapi, type).updateMany({
            where: { documentId: { $in: ids.slice(i, i + 500) } },
            data: { [mirror.status]: update.status, [mirror.reason]: update.reason, [mirror.at]: new Date(update.at) },
          });
          updated += result.count;
        }
      }
      return { contacts, updated };
    },

    /** Sets the status mirror of every contact that uses this (normalized) address; returns the rows updated. */
    async applyMirror(channel: Channel, address: string, update: MirrorUpdate): Promise<number> {
      return (await this.applyMirrors([{ channel, address, ...update }])).updated;
    },
  };
};
