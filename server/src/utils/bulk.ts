import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

/** Set-based writes for hot paths: a webhook batch's messages and addresses. */

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
  const meta = strapi.db.metadata.get(uid) as unknown as { tableName: string; attributes: Record<string, { columnName?: string; type?: string }> };
  // Raw knex does not encode a JSON attribute as the Query Engine does (SQLite cannot bind an object).
  const encode = (attribute: string, value: unknown): unknown =>
    meta.attributes[attribute]?.type === 'json' && value !== null ? JSON.stringify(value) : value;
  const column = (attribute: string): string => {
    const name = meta.attributes[attribute]?.columnName;
    if (!name) throw new Error(`${uid} has no column for "${attribute}"`);
    return name;
  };
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
