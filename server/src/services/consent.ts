import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import type { ConsentRecord } from '../core/consent';
import { erasedConsentAddress } from '../core/erasure';
import type { Channel } from '../core/events';
import { AdminApiError } from '../utils/admin-error';
import { getService, table, toIso } from '../utils/plugin';
import { UID } from '../utils/uids';
import type { ConsentEntryView } from '../contract';

/** The consent history of one number or address (deliverability_consents), newest first, for Full Logs. */
const MAX_ENTRIES = 200;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * The one writer of consent rows: an inbound keyword's, a provider's report of an opt-out. Each
   * row is keyed (`eventKey`, unique): one already written is skipped, so a redelivered webhook
   * writes nothing twice, and two racing copies collide on the index (the caller's transaction
   * then runs again and finds the row). Joins the caller's transaction. Returns the rows written.
   */
  async record(entries: ConsentRecord[]): Promise<number> {
    if (entries.length === 0) return 0;
    const taken = new Set(
      (await table(strapi, UID.consent).findMany({ select: ['eventKey'], where: { eventKey: { $in: entries.map((e) => e.eventKey) } } })).map(
        (row) => row.eventKey as string,
      ),
    );
    let written = 0;
    for (const entry of entries) {
      if (taken.has(entry.eventKey)) continue;
      taken.add(entry.eventKey);
      await table(strapi, UID.consent).create({ data: { ...entry, occurredAt: new Date(entry.occurredAt) } });
      written += 1;
    }
    return written;
  },

  async history(channel: Channel, rawAddress: string): Promise<ConsentEntryView[]> {
    const address = normalizeAddress(channel, rawAddress);
    if (!address) throw new AdminApiError(400, `"${rawAddress.slice(0, 64)}" is not a ${channel === 'sms' ? 'phone number' : 'email address'} the plugin can read.`);
    // An erased student's rows hold the number's hash: whoever knows the number still finds them.
    const salt = getService(strapi, 'config').get().erasure.salt;
    const keys = salt ? [address, erasedConsentAddress(salt, channel, address)] : [address];
    const rows = await table(strapi, UID.consent).findMany({
      where: { channel, address: { $in: keys } },
      orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
      limit: MAX_ENTRIES,
    });
    return rows.map((row) => ({
      documentId: row.documentId,
      channel,
      address,
      action: row.action as ConsentEntryView['action'],
      via: String(row.via),
      actor: (row.actor as string | null) ?? null,
      words: (row.words as string | null) ?? null,
      provider: (row.provider as string | null) ?? null,
      occurredAt: toIso(row.occurredAt)!,
    }));
  },
});
