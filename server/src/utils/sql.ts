import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

/**
 * Grouped reads (reports, counts) go straight to knex: the Query Engine has no GROUP BY. Table and
 * column names come from Strapi's metadata rather than being spelled out, so a site's table
 * prefix or a renamed column cannot silently break them.
 */

interface Metadata {
  tableName: string;
  attributes: Record<string, { columnName?: string }>;
}

function metadataOf(strapi: Core.Strapi, uid: string): Metadata {
  return (strapi.db.metadata as unknown as { get(uid: string): Metadata }).get(uid);
}

export function tableName(strapi: Core.Strapi, uid: string): string {
  return metadataOf(strapi, uid).tableName;
}

/** The column names of a content type's attributes, by attribute name. */
export function columnsOf<K extends string>(strapi: Core.Strapi, uid: string, attributes: readonly K[]): Record<K, string> {
  const meta = metadataOf(strapi, uid);
  const columns = {} as Record<K, string>;
  for (const name of attributes) {
    const column = meta.attributes[name]?.columnName;
    if (!column) throw new Error(`${uid} has no column for "${name}"`);
    columns[name] = column;
  }
  return columns;
}

/** A query builder on a plugin table, in the site's schema (PostgreSQL) when it has one. */
export function builder(strapi: Core.Strapi, uid: string): Knex.QueryBuilder {
  return (strapi.db as unknown as { getConnection(table: string): Knex.QueryBuilder }).getConnection(tableName(strapi, uid));
}

export function knexOf(strapi: Core.Strapi): Knex {
  return strapi.db.connection as unknown as Knex;
}

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export function dialectOf(strapi: Core.Strapi): Dialect {
  return (strapi.db as unknown as { dialect: { client: Dialect } }).dialect.client;
}

/**
 * The calendar day (YYYY-MM-DD) of a datetime column, shifted by the reader's UTC offset so that
 * days match the editor's own calendar. SQLite stores Strapi datetimes as epoch milliseconds
 * (text from older writers is handled too).
 */
export function dayBucketSql(knex: Knex, dialect: Dialect, column: string, offsetMinutes: number): Knex.Raw {
  const minutes = Math.trunc(offsetMinutes);
  switch (dialect) {
    case 'sqlite': {
      const modifier = `${minutes >= 0 ? '+' : ''}${minutes} minutes`;
      return knex.raw(
        `CASE WHEN typeof(??) = 'text' THEN strftime('%Y-%m-%d', ??, ?) ELSE strftime('%Y-%m-%d', ?? / 1000, 'unixepoch', ?) END`,
        [column, column, modifier, column, modifier],
      );
    }
    case 'postgres':
      return knex.raw(`to_char(?? + make_interval(mins => ?), 'YYYY-MM-DD')`, [column, minutes]);
    case 'mysql':
      return knex.raw(`DATE_FORMAT(DATE_ADD(??, INTERVAL ? MINUTE), '%Y-%m-%d')`, [column, minutes]);
  }
}

/** COUNT(*) comes back as a number, a string (PostgreSQL bigint) or a bigint, depending on the driver. */
export function toCount(value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}
