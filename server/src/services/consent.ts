import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import type { Channel } from '../core/events';
import { AdminApiError } from '../utils/admin-error';
import { table, toIso } from '../utils/plugin';
import { UID } from '../utils/uids';
import type { ConsentEntryView } from '../contract';

/** The consent history of one number or address (deliverability_consents), newest first, for Full Logs. */
const MAX_ENTRIES = 200;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async history(channel: Channel, rawAddress: string): Promise<ConsentEntryView[]> {
    const address = normalizeAddress(channel, rawAddress);
    if (!address) throw new AdminApiError(400, `"${rawAddress.slice(0, 64)}" is not a ${channel === 'sms' ? 'phone number' : 'email address'} the plugin can read.`);
    const rows = await table(strapi, UID.consent).findMany({
      where: { channel, address },
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
