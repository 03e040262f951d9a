import { randomBytes } from 'crypto';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { columnsOf, metadataOf, qualifiedTableName } from './sql';

/** Set-based writes for hot paths: a webhook batch's events, messages and addresses; a batch of attempts. */

/** Rows per multi-row INSERT. */
const INSERT_CHUNK = 500;

/** Rows per set-based UPDATE: its CASE is searched row by row, so big statements cost quadratically. */
const UPDATE_CHUNK = 100;

export interface RowUpdate {
  id: number;
  /** Attribute name → new value (Dates, nulls and JSON values as the Query Engine takes them). */
  data: Record<string, unknown>;
}

const sameValue = (a: unknown, b: unknown): boolean =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/**
 * Writes many rows' changes in a few statements rather than one or more per row:
 * `UPDATE t SET c = CASE id WHEN ? THEN ? … ELSE c END, … WHERE id IN (…)`, up to UPDATE_CHUNK rows at a
 * time, one statement per set of columns written; a column that every row of the statement sets
 * to the same value is a plain `c = ?`. The ELSE branch gives PostgreSQL the column's type for the
 * untyped parameters; SQLite and MySQL take the same statement. Joins the transaction `trx`.
 */
export async function updateRows(strapi: Core.Strapi, trx: Knex.Transaction, uid: string, updates: RowUpdate[]): Promise<void> {
  const meta = metadataOf(strapi, uid);
  // Raw knex does not encode a JSON attribute as the Query Engine does (SQLite cannot bind an object).
  const encode = (attribute: string, value: unknown): unknown =>
    meta.attributes[attribute]?.type === 'json' && value !== null ? JSON.stringify(value) : value;
  const column = (attribute: string): string => columnsOf(strapi, uid, [attribute])[attribute];
  const groups = new Map<string, RowUpdate[]>();
  for (const update of [...updates].sort((a, b) => a.id - b.id)) {
    const key = Object.keys(update.data).sort().join(',');
    const group = groups.get(key) ?? [];
    group.push(update);
    groups.set(key, group);
  }
  const knex = strapi.db.connection;
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += UPDATE_CHUNK) {
      const chunk = group.slice(i, i + UPDATE_CHUNK);
      const set: Record<string, unknown> = {};
      for (const attribute of Object.keys(chunk[0].data)) {
        const values = chunk.map((u) => encode(attribute, u.data[attribute] ?? null));
        set[column(attribute)] = values.every((v) => sameValue(v, values[0]))
          ? values[0]
          : knex.raw(`CASE ?? ${chunk.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ?? END`, [
              'id',
              ...chunk.flatMap((u, j) => [u.id, values[j]]),
              column(attribute),
            ]);
      }
      await strapi.db
        .getConnection(meta.tableName)
        .transacting(trx)
        .whereIn('id', chunk.map((u) => u.id))
        .update(set);
    }
  }
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Document ids in the shape Strapi's own have (24 characters of a-z0-9, starting with a letter).
 * Strapi derives each of its ids from a SHA-3 hash, which took about 5% of a 1,000-event batch's
 * time; the rows inserted this way (events) are never looked up by document id.
 */
export function documentIds(count: number): string[] {
  const bytes = randomBytes(count * 24);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    let id = ID_ALPHABET[bytes[i * 24] % 26];
    for (let j = 1; j < 24; j += 1) id += ID_ALPHABET[bytes[i * 24 + j] % 36];
    ids.push(id);
  }
  return ids;
}

/**
 * Inserts many rows as multi-row `INSERT … VALUES` statements, each row given a document id (the
 * caller sets the timestamps), in the transaction `trx`. Not the Query Engine's createMany: knex
 * writes a multi-row insert on SQLite as a compound `SELECT ? AS c … UNION ALL SELECT …`, which took
 * about three times a VALUES insert of the same rows (the benchmark's BENCH_SQL=intake). Columns come
 * from Strapi's metadata, JSON attributes are encoded as the Query Engine encodes them, and every
 * row must have the same attributes (the rows inserted this way have no defaults).
 */
export async function insertRows(strapi: Core.Strapi, trx: Knex.Transaction, uid: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  documentIds(rows.length).forEach((documentId, i) => (rows[i].documentId = documentId));
  const meta = metadataOf(strapi, uid);
  const attributes = Object.keys(rows[0]);
  const columns = Object.values(columnsOf(strapi, uid, attributes));
  const encode = (attribute: string, value: unknown): unknown =>
    meta.attributes[attribute]?.type === 'json' && value !== null && value !== undefined ? JSON.stringify(value) : (value ?? null);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    const values = chunk.flatMap((row) => attributes.map((attribute) => encode(attribute, row[attribute])));
    await trx.raw(`insert into ?? (${columns.map(() => '??').join(', ')}) values ${chunk.map(() => tuple).join(', ')}`, [
      qualifiedTableName(strapi, uid),
      ...columns,
      ...values,
    ]);
  }
}
