import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import { NEW_ADDRESS, type AddressLedgerState } from '../core/decide';
import type { Channel } from '../core/events';
import { isSuppressed, type AddressState } from '../core/statuses';
import { updateRows, type RowUpdate } from '../utils/bulk';
import { takesRowLocks } from '../utils/locks';
import { getService, isUniqueViolation, table, toDate, toMs, type Row, toIso } from '../utils/plugin';
import { addressHash } from '../core/erasure';
import { builder } from '../utils/sql';
import { UID } from '../utils/uids';

/** The address ledger: reading and writing one row per (channel, normalized address). */

export interface LedgerEntry {
  id: number | null;
  channel: Channel;
  address: string;
  state: AddressLedgerState;
}

export interface LedgerWrite {
  entry: LedgerEntry;
  next: AddressLedgerState;
  provider: string | null;
  logDocumentId: string | null;
  now: number;
}

export interface AddressView {
  channel: Channel;
  address: string;
  status: AddressState;
  suppressed: boolean;
  reason: string | null;
  providerCode: string | null;
  provider: string | null;
  changedAt: string | null;
  lastDeliveredAt: string | null;
  softBounceCount: number;
  reactivatedAt: string | null;
}

export const ledgerKey = (channel: Channel, address: string): string => `${channel}:${address}`;

const CHUNK = 500;

export function rowToLedgerState(row: Row): AddressLedgerState {
  return {
    state: row.state as AddressState,
    reason: (row.reason as string | null) ?? null,
    providerCode: (row.providerCode as string | null) ?? null,
    stateEventAt: toMs(row.stateEventAt),
    stateEventKey: (row.stateEventKey as string | null) ?? null,
    lastDeliveredAt: toMs(row.lastDeliveredAt),
    lastSoftBounceAt: toMs(row.lastSoftBounceAt),
    softBounceCount: Number(row.softBounceCount ?? 0),
    exhaustedStreak: Number(row.exhaustedStreak ?? 0),
    bounceScore: Number(row.bounceScore ?? 0),
    reactivatedAt: toMs(row.reactivatedAt),
    lastStrikeAt: toMs(row.lastStrikeAt),
  };
}

function ledgerColumns(next: AddressLedgerState): Record<string, unknown> {
  return {
    state: next.state,
    reason: next.reason,
    providerCode: next.providerCode,
    stateEventAt: toDate(next.stateEventAt),
    stateEventKey: next.stateEventKey,
    lastDeliveredAt: toDate(next.lastDeliveredAt),
    lastSoftBounceAt: toDate(next.lastSoftBounceAt),
    softBounceCount: next.softBounceCount,
    exhaustedStreak: next.exhaustedStreak,
    bounceScore: next.bounceScore,
    reactivatedAt: toDate(next.reactivatedAt),
    lastStrikeAt: toDate(next.lastStrikeAt),
  };
}

/** Addresses by channel, each list sorted and without repeats: the one order in which rows are locked and created. */
function byChannel(pairs: { channel: Channel; address: string }[]): [Channel, string[]][] {
  return (['email', 'sms'] as const).map((channel) => [
    channel,
    [...new Set(pairs.filter((p) => p.channel === channel).map((p) => p.address))].sort(),
  ]);
}

export const ERASED_REASON = 'The student was erased on request; the address stays suppressed.';

/** The suppressed states of these addresses (not in the ledger) that erased students had, by their salted hashes. */
async function erasedStates(strapi: Core.Strapi, channel: Channel, addresses: string[]): Promise<Map<string, AddressState>> {
  const salt = getService(strapi, 'config').get().erasure.salt;
  const found = new Map<string, AddressState>();
  if (!salt || addresses.length === 0) return found;
  const byHash = new Map(addresses.map((address) => [addressHash(salt, channel, address), address]));
  const hashes = [...byHash.keys()];
  for (let i = 0; i < hashes.length; i += CHUNK) {
    const rows = await table(strapi, UID.erasedAddress).findMany({ select: ['addressHash', 'state'], where: { addressHash: { $in: hashes.slice(i, i + CHUNK) } } });
    for (const row of rows) found.set(byHash.get(row.addressHash as string)!, row.state as AddressState);
  }
  return found;
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Locks the existing ledger rows of these addresses (`SELECT … FOR UPDATE`, by channel then
   * address) until the transaction `trx` ends, so that what is read next stays true until it is
   * written. Addresses without a row are not locked: creating one collides on the unique index
   * with any other writer creating it, and the intake runs again. No-op on SQLite (one writer).
   */
  async lockMany(trx: Knex.Transaction, pairs: { channel: Channel; address: string }[]): Promise<Set<number> | null> {
    if (!takesRowLocks(strapi)) return null;
    const locked = new Set<number>();
    for (const [channel, addresses] of byChannel(pairs)) {
      for (let i = 0; i < addresses.length; i += CHUNK) {
        const rows: { id: number }[] = await builder(strapi, UID.address)
          .transacting(trx)
          .select('id')
          .where('channel', channel)
          .whereIn('address', addresses.slice(i, i + CHUNK))
          .orderBy('address')
          .forUpdate();
        rows.forEach((row) => locked.add(Number(row.id)));
      }
    }
    return locked;
  },

  /**
   * Creates the ledger rows these addresses do not have yet, each as a new address starts (active,
   * no history), each in a statement of its own, outside any transaction; a row another request
   * created meanwhile is left as it is. Erased students' addresses get none (their state is their
   * hash). Run before a transaction that lost a race to create them: on MySQL, locking a key that
   * does not exist yet locks the gap where it would go, a lock every such transaction shares, so
   * their inserts into that gap deadlock each other again and again; a row that exists is locked by itself.
   */
  async createMissing(pairs: { channel: Channel; address: string }[], now: number): Promise<number> {
    let created = 0;
    const at = new Date(now);
    // As `loadMany` reads them: no row (`id` null), and not an erased student's (whose reason says so).
    const missing = [...(await this.loadMany(pairs)).values()].filter((entry) => entry.id === null && entry.state.reason !== ERASED_REASON);
    for (const { channel, address } of missing) {
      try {
        await table(strapi, UID.address).create({
          data: { channel, address, ...ledgerColumns(NEW_ADDRESS), stateChangedAt: at, createdAt: at, updatedAt: at },
        });
        created += 1;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    return created;
  },

  /** Ledger entries for many addresses at once (one query per channel and chunk); unknown ones start active. */
  async loadMany(pairs: { channel: Channel; address: string }[]): Promise<Map<string, LedgerEntry>> {
    const entries = new Map<string, LedgerEntry>();
    for (const [channel, addresses] of byChannel(pairs)) {
      for (let i = 0; i < addresses.length; i += CHUNK) {
        const rows = await table(strapi, UID.address).findMany({
          where: { channel, address: { $in: addresses.slice(i, i + CHUNK) } },
        });
        for (const row of rows) {
          const address = row.address as string;
          entries.set(ledgerKey(channel, address), { id: row.id, channel, address, state: rowToLedgerState(row) });
        }
      }
      const missing = addresses.filter((address) => !entries.has(ledgerKey(channel, address)));
      const erased = await erasedStates(strapi, channel, missing);
      for (const address of missing) {
        // An erased student's suppressed address has no row, only its hash: it stays suppressed.
        const state = erased.get(address);
        entries.set(ledgerKey(channel, address), { id: null, channel, address, state: state ? { ...NEW_ADDRESS, state, reason: ERASED_REASON } : { ...NEW_ADDRESS } });
      }
    }
    return entries;
  },

  async find(channel: Channel, rawAddress: string): Promise<{ address: string; row: Row | null } | null> {
    const address = normalizeAddress(channel, rawAddress);
    if (!address) return null;
    const row = await table(strapi, UID.address).findOne({ where: { channel, address } });
    return { address, row };
  },

  async stateOf(channel: Channel, rawAddress: string): Promise<{ state: AddressState; reason: string | null; at: Date | null }> {
    const found = await this.find(channel, rawAddress);
    if (!found) return { state: 'active', reason: null, at: null };
    if (!found.row) {
      const erased = (await erasedStates(strapi, channel, [found.address])).get(found.address);
      return erased ? { state: erased, reason: ERASED_REASON, at: null } : { state: 'active', reason: null, at: null };
    }
    return {
      state: found.row.state as AddressState,
      reason: (found.row.reason as string | null) ?? null,
      at: (found.row.stateChangedAt as Date | null) ?? null,
    };
  },

  /** The public view of one address (the content API's address lookup). `null` for an unreadable address. */
  async view(channel: Channel, rawAddress: string): Promise<AddressView | null> {
    const found = await this.find(channel, rawAddress);
    if (!found) return null;
    const row = found.row;
    const erased = row ? undefined : (await erasedStates(strapi, channel, [found.address])).get(found.address);
    const state = (row?.state as AddressState | undefined) ?? erased ?? 'active';
    return {
      channel,
      address: found.address,
      status: state,
      suppressed: isSuppressed(state),
      reason: (row?.reason as string | null | undefined) ?? null,
      providerCode: (row?.providerCode as string | null | undefined) ?? null,
      provider: (row?.provider as string | null | undefined) ?? null,
      changedAt: toIso(row?.stateChangedAt),
      lastDeliveredAt: toIso(row?.lastDeliveredAt),
      softBounceCount: Number(row?.softBounceCount ?? 0),
      reactivatedAt: toIso(row?.reactivatedAt),
    };
  },

  /** Addresses with no ledger row that an erased student had suppressed (matched by their salted hashes), with their states. */
  erasedStates(channel: Channel, addresses: string[]): Promise<Map<string, AddressState>> {
    return erasedStates(strapi, channel, addresses);
  },

  isSuppressed(state: AddressState): boolean {
    return isSuppressed(state);
  },

  /** Writes decided ledger states: a few statements for a whole batch. Joins the caller's transaction. */
  async writeMany(writes: LedgerWrite[]): Promise<void> {
    const creates: Record<string, unknown>[] = [];
    const updates: RowUpdate[] = [];
    for (const write of writes) {
      const stateChanged = write.next.state !== write.entry.state.state;
      const data: Record<string, unknown> = {
        ...ledgerColumns(write.next),
        ...(stateChanged || write.entry.id === null
          ? { stateChangedAt: new Date(write.now), provider: write.provider, stateLogDocumentId: write.logDocumentId }
          : {}),
        updatedAt: new Date(write.now),
      };
      if (write.entry.id === null) {
        creates.push({ channel: write.entry.channel, address: write.entry.address, createdAt: new Date(write.now), ...data });
      } else {
        updates.push({ id: write.entry.id, data });
      }
    }
    // One Query Engine update per address (three statements each) was most of a webhook batch's statements.
    if (updates.length > 0)
      await strapi.db.transaction(({ trx }: { trx: Knex.Transaction }) => updateRows(strapi, trx, UID.address, updates));
    // New rows in the order decided (events by time, then key): two requests about the same events
    // create them in the same order, and a deadlock between other pairs is broken by the server and retried.
    for (let i = 0; i < creates.length; i += CHUNK) {
      await table(strapi, UID.address).createMany({ data: creates.slice(i, i + CHUNK) });
    }
  },
});
