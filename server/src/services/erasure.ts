import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import { addressHash, erasedConsentAddress } from '../core/erasure';
import { CHANNELS, type Channel } from '../core/events';
import { isSuppressed, type AddressState } from '../core/statuses';
import type { ContactRef, ErasureResult } from '../contract';
import { AdminApiError } from '../utils/admin-error';
import { lockRowsById, withConflictRetry } from '../utils/locks';
import { getService, table, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';
import { addressField } from './contacts';

/**
 * Erasing a student (a privacy request): in one transaction, the plugin deletes what it holds
 * about them (their messages and those messages' events, provider events about their addresses
 * that matched no message, the ledger rows of their addresses, the lists pulled from providers,
 * audit entries naming them or their addresses, and the contact itself when it is the plugin's own
 * type) and keeps, for each address that was suppressed, only a salted hash and its state, so the
 * address is still never used (services/ledger.ts matches the hashes). A host type's record is the
 * host's to delete. The answer counts what was deleted; the logs say no address.
 */

type Pair = { channel: Channel; address: string };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** The student's addresses now, and every address their messages went to. */
  async function addressesOf(ref: ContactRef, logs: Row[]): Promise<Pair[]> {
    const source = getService(strapi, 'contacts').source(ref.type)!;
    const contact = await table(strapi, source.uid).findOne({ where: { documentId: ref.documentId } });
    const pairs = new Map<string, Pair>();
    const add = (channel: Channel, raw: unknown): void => {
      const address = typeof raw === 'string' ? normalizeAddress(channel, raw) : null;
      if (address) pairs.set(`${channel}:${address}`, { channel, address });
    };
    for (const channel of CHANNELS) {
      const field = addressField(source, channel);
      if (field && contact) add(channel, contact[field]);
    }
    for (const log of logs) add(log.channel as Channel, log.address);
    return [...pairs.values()];
  }

  /** Suppressed addresses become hashes; their ledger rows go. */
  async function hashSuppressed(salt: string, pairs: Pair[]): Promise<number> {
    let kept = 0;
    for (const { channel, address } of pairs) {
      const row = await table(strapi, UID.address).findOne({ where: { channel, address } });
      if (!row) continue;
      if (isSuppressed(row.state as AddressState)) {
        const hash = addressHash(salt, channel, address);
        if (!(await table(strapi, UID.erasedAddress).findOne({ where: { addressHash: hash } }))) {
          await table(strapi, UID.erasedAddress).create({ data: { channel, addressHash: hash, state: row.state } });
        }
        kept += 1;
      }
      await table(strapi, UID.address).delete({ where: { id: row.id } });
    }
    return kept;
  }

  /** Their consent history stays, each number hashed in place (README, "Consent is the student's"). */
  async function hashConsents(salt: string, pairs: Pair[]): Promise<void> {
    for (const { channel, address } of pairs) {
      await table(strapi, UID.consent).updateMany({ where: { channel, address }, data: { address: erasedConsentAddress(salt, channel, address) } });
    }
  }

  /**
   * The student's messages, locked by id in id order as the intake locks them (messages, then the
   * addresses' ledger rows), as the transaction's first read: on MySQL, what is read next is then
   * current. A report being applied to one of them finishes first, or waits for the erasure. The
   * ids are read before the transaction, as the intake reads its messages: locking by primary key
   * takes no gap locks on MySQL, which deadlocked with reports' inserts.
   */
  async function lockMessages(trx: Knex.Transaction, ids: number[]): Promise<void> {
    await lockRowsById(strapi, trx, UID.log, ids);
  }

  async function deleteWhere(uid: string, where: Record<string, unknown>): Promise<number> {
    const { count } = await (
      table(strapi, uid) as unknown as { deleteMany(p: { where: Record<string, unknown> }): Promise<{ count: number }> }
    ).deleteMany({ where });
    return count;
  }

  return {
    async erase(ref: ContactRef): Promise<ErasureResult> {
      const salt = getService(strapi, 'config').get().erasure.salt;
      if (!salt)
        throw new AdminApiError(
          501,
          'Erasure needs a salt for the hashes it keeps: set DELIVERABILITY_ERASURE_SALT (and never change it).',
        );
      const source = getService(strapi, 'contacts').source(ref.type);
      if (!source) throw new AdminApiError(400, `${ref.type} is not a contact type of the plugin.`);
      if (!(await table(strapi, source.uid).findOne({ where: { documentId: ref.documentId } })))
        throw new AdminApiError(404, 'No such contact.');
      // Query Engine calls inside the callback join the transaction: all of it commits, or none.
      // Retried whole when it loses a race (a deadlock the server broke) with reports being applied:
      // a rare editor's action, so it may try more often than a webhook's batch.
      const ids = (await table(strapi, UID.log).findMany({ select: ['id'], where: { contactType: ref.type, contactDocumentId: ref.documentId } })).map((row) => row.id);
      return withConflictRetry(() => strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        await lockMessages(trx, ids);
        const logs = await table(strapi, UID.log).findMany({
          select: ['id', 'documentId', 'channel', 'address'],
          where: { contactType: ref.type, contactDocumentId: ref.documentId },
        });
        const pairs = await addressesOf(ref, logs);
        // A report about these addresses applied meanwhile either committed before these locks (and
        // its state is what is hashed) or waits, and finds the rows gone.
        await getService(strapi, 'ledger').lockMany(trx, pairs);
        const logIds = logs.map((l) => l.documentId);
        const addresses = pairs.map((p) => p.address);
        const result: ErasureResult = {
          messages: logs.length,
          events:
            (logIds.length > 0 ? await deleteWhere(UID.event, { logDocumentId: { $in: logIds } }) : 0) +
            (addresses.length > 0 ? await deleteWhere(UID.event, { logDocumentId: null, address: { $in: addresses } }) : 0),
          suppressedAddressesKeptAsHashes: await hashSuppressed(salt, pairs),
          auditEntries: await deleteWhere(UID.audit, {
            $or: [
              { contactType: ref.type, contactDocumentId: ref.documentId },
              ...(logIds.length > 0 ? [{ logDocumentId: { $in: logIds } }] : []),
              ...(addresses.length > 0 ? [{ address: { $in: addresses } }] : []),
            ],
          }),
          contactDeleted: false,
        };
        // Taken out of the report counts too: an erased student's messages are not counted any more.
        await getService(strapi, 'report-rollup').deleteLogs(trx, { contactType: ref.type, contactDocumentId: ref.documentId });
        if (addresses.length > 0) await deleteWhere(UID.providerListing, { address: { $in: addresses } });
        if (addresses.length > 0) await deleteWhere(UID.verification, { address: { $in: addresses } });
        await hashConsents(salt, pairs);
        await deleteWhere(UID.contactAddress, { contactType: ref.type, contactDocumentId: ref.documentId });
        if (source.uid === UID.contact) result.contactDeleted = (await deleteWhere(UID.contact, { documentId: ref.documentId })) > 0;
        strapi.log.info(
          `[deliverability] erased a contact: ${result.messages} messages, ${result.events} events, ${result.suppressedAddressesKeptAsHashes} suppressed addresses kept as hashes`,
        );
        return result;
      }), { tries: 10 });
    },
  };
};
