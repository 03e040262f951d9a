import type { Core } from '@strapi/strapi';
import type services from '../services';
import { PLUGIN_ID } from './uids';

type Services = typeof services;
export type ServiceName = keyof Services;
export type ServiceOf<N extends ServiceName> = ReturnType<Services[N]>;

/** Typed access to one of the plugin's services. */
export function getService<N extends ServiceName>(strapi: Core.Strapi, name: N): ServiceOf<N> {
  return strapi.plugin(PLUGIN_ID).service(name) as ServiceOf<N>;
}

/**
 * The plugin's tables are its own and not part of the host's generated types, so the Query
 * Engine is reached through this narrow, typed view instead of casting at every call.
 */
export type Row = Record<string, unknown> & { id: number; documentId: string };

export interface TableQuery {
  findOne(params: Record<string, unknown>): Promise<Row | null>;
  findMany(params?: Record<string, unknown>): Promise<Row[]>;
  count(params?: Record<string, unknown>): Promise<number>;
  create(params: { data: Record<string, unknown>; select?: string[] }): Promise<Row>;
  createMany(params: { data: Record<string, unknown>[] }): Promise<{ count: number; ids?: number[] }>;
  update(params: { where: Record<string, unknown>; data: Record<string, unknown> }): Promise<Row | null>;
  updateMany(params: { where: Record<string, unknown>; data: Record<string, unknown> }): Promise<{ count: number }>;
  delete(params: { where: Record<string, unknown> }): Promise<Row | null>;
}

export function table(strapi: Core.Strapi, uid: string): TableQuery {
  // The Query Engine is typed against the host's generated UIDs, which cannot know ours.
  return strapi.db.query(uid as Parameters<Core.Strapi['db']['query']>[0]) as unknown as TableQuery;
}

export function toDate(ms: number | null | undefined): Date | null {
  return ms === null || ms === undefined ? null : new Date(ms);
}

export function toMs(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : new Date(value as string | number).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** A stored date as ISO text for API answers; `null` when there is none. */
export function toIso(value: unknown): string | null {
  const ms = toMs(value);
  return ms === null ? null : new Date(ms).toISOString();
}

/** A unique-index collision, in the words of SQLite, PostgreSQL or MySQL: two writers raced on one key. */
export function isUniqueViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${(error as { code?: string }).code ?? ''}` : String(error);
  return /UNIQUE constraint|duplicate key|23505|ER_DUP_ENTRY|SQLITE_CONSTRAINT_UNIQUE/i.test(text);
}
