import type { Core } from '@strapi/strapi';
import type { Channel } from '../core/events';
import type { AddressState } from '../core/statuses';
import { table, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';

/**
 * The contact-source module: the only place that knows which content types hold contacts and
 * which of their fields are the email, the mobile and the status mirrors. Everything keyed by a
 * contact goes through here, so that a site's own student type can stand in for ours.
 */
export interface ContactSource {
  uid: string;
  fields: { email: string | null; mobile: string | null; externalId: string | null; displayName: string[] };
  /** Mirror fields per channel, where the type has them. */
  mirror: Partial<Record<Channel, { status: string; reason: string; at: string }>>;
}

export interface ContactRef {
  type: string;
  documentId: string;
}

export interface ContactSummary extends ContactRef {
  displayName: string;
  externalId: string | null;
  email: string | null;
  mobile: string | null;
}

export interface MirrorUpdate {
  status: AddressState;
  reason: string | null;
  at: number;
}

const PLUGIN_CONTACT: ContactSource = {
  uid: UID.contact,
  fields: { email: 'email', mobile: 'mobile', externalId: 'externalId', displayName: ['firstName', 'lastName'] },
  mirror: {
    email: { status: 'emailStatus', reason: 'emailStatusReason', at: 'emailStatusAt' },
    sms: { status: 'mobileStatus', reason: 'mobileStatusReason', at: 'mobileStatusAt' },
  },
};

export function addressField(source: ContactSource, channel: Channel): string | null {
  return channel === 'email' ? source.fields.email : source.fields.mobile;
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  sources(): ContactSource[] {
    return [PLUGIN_CONTACT];
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
    const name = source.fields.displayName.map((f) => text(f)).filter(Boolean).join(' ');
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
    const row = await table(strapi, source.uid).findOne({ where: { documentId: ref.documentId } });
    return row ? this.summarize(source, row) : null;
  },

  /** Contacts that use an address, on every source. */
  async findByAddress(channel: Channel, address: string): Promise<ContactSummary[]> {
    const found: ContactSummary[] = [];
    for (const source of this.sources()) {
      const field = addressField(source, channel);
      if (!field) continue;
      const rows = await table(strapi, source.uid).findMany({ where: { [field]: address }, limit: 100 });
      found.push(...rows.map((row) => this.summarize(source, row)));
    }
    return found;
  },

  /** Sets the status mirror of every contact that uses this address. Joins the caller's transaction. */
  async applyMirror(channel: Channel, address: string, update: MirrorUpdate): Promise<number> {
    let count = 0;
    for (const source of this.sources()) {
      const field = addressField(source, channel);
      const mirror = source.mirror[channel];
      if (!field || !mirror) continue;
      const result = await table(strapi, source.uid).updateMany({
        where: { [field]: address },
        data: { [mirror.status]: update.status, [mirror.reason]: update.reason, [mirror.at]: new Date(update.at) },
      });
      count += result.count;
    }
    return count;
  },
});
