/**
 * Suites that run whole on every database: SQLite (always), then PostgreSQL and MySQL/MariaDB
 * when their URLs are set (`serverKinds`: required in CI). Each run gets a fresh database of its
 * own, so a suite's data never meets another run's.
 */
import { createServerDatabase, serverKinds, type ServerDatabase } from './databases';

export type DatabaseKind = 'sqlite' | ServerDatabase['kind'];

/** SQLite, then every server configured for this machine (or CI). */
export function everyDatabase(suite: string): DatabaseKind[] {
  return ['sqlite', ...serverKinds(suite)];
}

export interface SuiteDatabase {
  /** `database` for `startApp` (undefined: the app's own SQLite file). */
  connection: Record<string, unknown> | undefined;
  drop(): Promise<void>;
}

export async function suiteDatabase(kind: DatabaseKind, suite: string): Promise<SuiteDatabase> {
  if (kind === 'sqlite') return { connection: undefined, drop: async () => undefined };
  const server = await createServerDatabase(kind, suite);
  return { connection: server.strapiConnection, drop: () => server.drop() };
}
