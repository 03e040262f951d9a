import type { Core } from '@strapi/strapi';
import type { Channel } from '../core/events';
import { table, type Row, toIso } from '../utils/plugin';
import { UID } from '../utils/uids';
import type { AuditView } from '../contract';

/**
 * The audit trail: one append-only row per manual action (a reactivation, a retry), with who did
 * it, when, why, and the state before and after. Nothing here updates or deletes a row.
 */

/** Named like the send service's own entries (`retry-message`, written by `messages.retryNow`). */
export type AuditAction =
  | 'reactivate-address'
  | 'retry-message'
  | 'lift-provider-suppressions'
  | 'import-suppressions'
  | 'change-address'
  | 'reclassify-event'
  | 'request-verification'
  | 'resend-verification'
  | 'confirm-verification'
  // Not by hand: the breaker paused a bulk send (kept so the reports can list pauses after a resume clears them).
  | 'bulk-breaker-pause';

/** Who did it: an admin user, named as the admin panel names them. */
export interface Actor {
  id: string;
  name: string;
}

export interface AuditInput {
  action: AuditAction;
  actor: Actor;
  channel?: Channel | null;
  address?: string | null;
  logDocumentId?: string | null;
  reason?: string | null;
  before?: unknown;
  after?: unknown;
  /** The student it concerns, where it concerns one (an address change). */
  contact?: { type: string; documentId: string } | null;
  /** Epoch milliseconds; defaults to now. */
  at?: number;
}

export function auditView(row: Row): AuditView {
  return {
    documentId: row.documentId,
    action: String(row.action),
    channel: (row.channel as string | null) ?? null,
    address: (row.address as string | null) ?? null,
    logDocumentId: (row.logDocumentId as string | null) ?? null,
    actorId: (row.actorId as string | null) ?? null,
    actorName: (row.actorName as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    before: row.before ?? null,
    after: row.after ?? null,
    createdAt: toIso(row.createdAt),
  };
}

/** An admin user's display name: first and last name, else username, else email. */
export function actorOf(
  user: { id?: unknown; firstname?: unknown; lastname?: unknown; username?: unknown; email?: unknown } | null | undefined,
): Actor | null {
  if (!user || user.id === undefined || user.id === null) return null;
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
  const name =
    [text(user.firstname), text(user.lastname)].filter(Boolean).join(' ') ||
    text(user.username) ||
    text(user.email) ||
    `admin #${String(user.id)}`;
  return { id: String(user.id), name };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Writes one entry. Joins the caller's transaction, so the entry and the change commit together. */
  async record(input: AuditInput): Promise<AuditView> {
    const at = new Date(input.at ?? Date.now());
    const row = await table(strapi, UID.audit).create({
      data: {
        action: input.action,
        channel: input.channel ?? null,
        address: input.address ?? null,
        logDocumentId: input.logDocumentId ?? null,
        actorId: input.actor.id.slice(0, 64),
        actorName: input.actor.name.slice(0, 255),
        reason: input.reason ?? null,
        before: input.before ?? null,
        after: input.after ?? null,
        contactType: input.contact?.type ?? null,
        contactDocumentId: input.contact?.documentId ?? null,
        createdAt: at,
        updatedAt: at,
      },
    });
    return auditView(row);
  },

  /** The newest entry of `action` about an address, or null. */
  async latestFor(action: AuditAction, channel: Channel, address: string): Promise<AuditView | null> {
    const row = await table(strapi, UID.audit).findOne({
      where: { action, channel, address },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return row ? auditView(row) : null;
  },

  /** Entries about these messages, oldest first (they are shown inside each message's history). */
  async forLogs(logDocumentIds: string[]): Promise<AuditView[]> {
    if (logDocumentIds.length === 0) return [];
    const rows = await table(strapi, UID.audit).findMany({
      where: { logDocumentId: { $in: logDocumentIds } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(auditView);
  },
});
