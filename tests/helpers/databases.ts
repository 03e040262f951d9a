/**
 * The database servers the concurrency suites run on: PostgreSQL (DELIVERABILITY_TEST_PG) and
 * MySQL or MariaDB (DELIVERABILITY_TEST_MYSQL), each a URL such as
 * `postgres://user:pass@127.0.0.1:5432/db` or `mysql://user:pass@127.0.0.1:3306/db`.
 * `.ci/run` installs and starts both. Outside CI a missing server skips its suites with a
 * warning; with CI=true it fails them, so that a broken CI set-up cannot pass by running nothing.
 *
 * Each suite gets a database of its own (created here, dropped by `drop()`), so suites and
 * developers' runs never share tables.
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { databaseFromUrl } from './app';

export type ServerKind = 'postgres' | 'mysql';

export interface ServerDatabase {
  kind: ServerKind;
  /** Strapi's `connection` block for config/database.js. */
  strapiConnection: Record<string, unknown>;
  /** A knex on the suite's database, for the test's own reads and seeds. */
  knex: Knex;
  drop(): Promise<void>;
}

const ENV: Record<ServerKind, string> = { postgres: 'DELIVERABILITY_TEST_PG', mysql: 'DELIVERABILITY_TEST_MYSQL' };

/** The connection settings of the server's URL, on another database of the same server. */
function connectionOf(url: URL, database: string): Record<string, unknown> {
  const other = new URL(url.href);
  other.pathname = `/${database}`;
  return databaseFromUrl(other.href).connection as Record<string, unknown>;
}

/** The server kinds to run a suite on; throws in CI when one is not configured. */
export function serverKinds(suite: string): ServerKind[] {
  const kinds: ServerKind[] = [];
  for (const kind of ['postgres', 'mysql'] as const) {
    if (process.env[ENV[kind]]) kinds.push(kind);
    else if (process.env.CI === 'true')
      throw new Error(`${suite}: ${ENV[kind]} is not set, and CI=true: the ${kind} suite must run in CI (.ci/run starts the server).`);
    else console.warn(`${suite}: the ${kind} part is skipped; set ${ENV[kind]} to a ${kind} URL to run it (.ci/run does).`);
  }
  return kinds;
}

/** A new, empty database on the server of `kind`, named after the suite. */
export async function createServerDatabase(kind: ServerKind, suite: string): Promise<ServerDatabase> {
  const url = new URL(process.env[ENV[kind]]!);
  const name = `dlv_${suite.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  const client = kind === 'postgres' ? 'pg' : 'mysql2';
  const admin = knexFactory({ client, connection: connectionOf(url, url.pathname.slice(1)), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(
      kind === 'postgres' ? `create database "${name}"` : `create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.destroy();
  }
  // Each its own object: knex's drivers edit the connection object they are given.
  const knex = knexFactory({ client, connection: connectionOf(url, name), pool: { min: 0, max: 4 } });
  return {
    kind,
    strapiConnection: { client: kind, connection: connectionOf(url, name), pool: { min: 0, max: 8 } },
    knex,
    async drop() {
      await knex.destroy();
      const again = knexFactory({ client, connection: connectionOf(url, url.pathname.slice(1)), pool: { min: 0, max: 1 } });
      try {
        await again.raw(kind === 'postgres' ? `drop database if exists "${name}" with (force)` : `drop database if exists \`${name}\``);
      } finally {
        await again.destroy();
      }
    },
  };
}
