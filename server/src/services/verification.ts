import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import type { Channel } from '../core/events';
import { codeHash, codeMatches, judgeCode, methodFor, newCode, readLinkToken, signLinkToken, type CodeRefusal } from '../core/verification';
import type { VerificationConfirmed, VerificationView } from '../contract';
import { AdminApiError } from '../utils/admin-error';
import { lockRowsById, withConflictRetry } from '../utils/locks';
import { getService, table, toMs, type Row } from '../utils/plugin';
import { restPrefix } from '../utils/webhook-path';
import { PLUGIN_ID, UID } from '../utils/uids';
import type { Actor } from './audit';
import { ledgerKey } from './ledger';
import type { CheckedReactivation } from './reactivation';

/**
 * Verification before reactivation (`reactivation.requireVerification`): instead of making an
 * address active, an editor's reactivation records a pending verification (audited) and sends the
 * student a message that only this service can send to a suppressed address (attempts.ts,
 * `confirmsTheAddress`): a signed, expiring link by email, a six-digit code by SMS. The student's
 * confirmation, through the public confirm route, reactivates the address in the same transaction
 * that marks the verification confirmed; a repeated confirmation answers the same, changing nothing.
 * Forged or expired links and wrong codes change nothing but the code's attempt counter, which locks
 * the verification after `maxCodeAttempts`.
 */

export interface VerificationRequest extends CheckedReactivation {
  purpose: 'reactivation' | 'address-change';
  /** The student whose address it is, where known (an address change). */
  contact?: { type: string; documentId: string } | null;
  /** An editor's "send again": the pending verification this one replaces (it must still be pending). */
  resendOf?: Row;
}

/** Why a message to a new address that waits for its student's confirmation is not sent. */
export const AWAITING_CONFIRMATION = "the student has not confirmed this new address yet";

/** One answer for every refused code, so that the route tells nobody whether a number has a verification. */
const CODE_REFUSED = 'That code is not right, or it is no longer valid: ask the college to send a new one if it keeps failing.';
const LINK_REFUSED = 'This confirmation link is not valid.';
const STUDENT: Actor = { id: 'student', name: 'The student' };

type Confirmable = { row: Row; purpose: VerificationRequest['purpose'] };

export type CodePageOutcome = { kind: 'confirmed'; already: boolean } | { kind: 'refused'; why: CodeRefusal; attemptsLeft: number };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => getService(strapi, 'config').get().reactivation;
  const secret = (): string => {
    const configured = settings().secret;
    if (!configured) throw new AdminApiError(501, 'Verification needs a secret: set DELIVERABILITY_VERIFICATION_SECRET.');
    return configured;
  };

  function viewOf(row: Row, now = Date.now()): VerificationView {
    const expiresAt = toMs(row.expiresAt) ?? 0;
    return {
      documentId: row.documentId,
      channel: row.channel as Channel,
      address: row.address as string,
      purpose: row.purpose as VerificationView['purpose'],
      method: row.method as VerificationView['method'],
      status: row.status as VerificationView['status'],
      expiresAt: new Date(expiresAt).toISOString(),
      expired: expiresAt <= now,
      locked: row.method === 'code' && Number(row.attempts ?? 0) >= settings().maxCodeAttempts,
      requestedBy: (row.requestedByName as string | null) ?? null,
      reason: (row.reason as string | null) ?? null,
      logDocumentId: (row.logDocumentId as string | null) ?? null,
    };
  }

  /** A public verification route's full address (`publicUrl` and the REST prefix). */
  function publicRoute(path: string): string {
    const base = getService(strapi, 'config').get().publicUrl ?? '';
    return `${base}${restPrefix(strapi)}/${PLUGIN_ID}/verifications/${path}`;
  }
  const confirmUrl = (token: string): string => publicRoute(`confirm?token=${token}`);

  /** The public page where the student types the texted code. */
  const codePageUrl = (verificationId: string): string => publicRoute(`code/${verificationId}`);

  /** The message the student receives: the link, or the code (which is known only here and in the message). */
  function messageOf(row: Row, code: string | null, expiresAtMs: number): Record<string, unknown> {
    const until = new Date(expiresAtMs).toUTCString();
    if (row.channel === 'sms') {
      return { channel: 'sms', to: { address: row.address }, body: `Your college's code to confirm this number: ${code}. Enter it at ${codePageUrl(row.documentId)} before ${until}.`, source: 'manual', sourceName: 'Address verification' };
    }
    const link = confirmUrl(signLinkToken(secret(), row.documentId, expiresAtMs));
    return {
      channel: 'email',
      to: { address: row.address },
      subject: 'Please confirm your email address',
      text: `Your college would like to write to you at this address again. To confirm it is yours, open this link before ${until}:\n\n${link}\n\nIf you did not expect this, ignore this message.`,
      html: null,
      source: 'manual',
      sourceName: 'Address verification',
    };
  }

  /**
   * Refuses a "send again" of a verification that is no longer pending (confirmed meanwhile, or
   * already replaced by another editor's click): locked and read again, so two clicks at once send one.
   */
  async function stillPending(trx: Knex.Transaction, old: Row): Promise<void> {
    await lockRowsById(strapi, trx, UID.verification, [old.id]);
    const current = await table(strapi, UID.verification).findOne({ where: { id: old.id } });
    if (current?.status !== 'pending') throw new AdminApiError(409, 'This verification is no longer pending: it was confirmed, or a newer one was sent.');
  }

  /** The new pending verification (any earlier pending one for the address is superseded), and its audit entry. */
  async function record(input: VerificationRequest): Promise<{ row: Row; code: string | null; expiresAtMs: number }> {
    const method = methodFor(input.channel);
    const ttlMs = method === 'link' ? settings().linkTtlHours * 3_600_000 : settings().codeTtlMinutes * 60_000;
    const expiresAtMs = input.now + ttlMs;
    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const verifications = table(strapi, UID.verification);
      if (input.resendOf) await stillPending(trx, input.resendOf);
      await verifications.updateMany({
        where: { channel: input.channel, address: input.address, status: 'pending' },
        data: { status: 'superseded', updatedAt: new Date(input.now) },
      });
      const created = await verifications.create({
        data: {
          channel: input.channel,
          address: input.address,
          purpose: input.purpose,
          method,
          status: 'pending',
          attempts: 0,
          expiresAt: new Date(expiresAtMs),
          requestedById: input.actor.id.slice(0, 64),
          requestedByName: input.actor.name.slice(0, 255),
          reason: input.reason,
          contactType: input.contact?.type ?? null,
          contactDocumentId: input.contact?.documentId ?? null,
        },
      });
      const code = method === 'code' ? newCode() : null;
      const row = code
        ? ((await verifications.update({ where: { id: created.id }, data: { codeHash: codeHash(secret(), created.documentId, code) } })) as Row)
        : created;
      await getService(strapi, 'audit').record({
        action: input.resendOf ? 'resend-verification' : 'request-verification',
        actor: input.actor,
        channel: input.channel,
        address: input.address,
        reason: input.reason,
        before: input.resendOf ? { verification: input.resendOf.documentId } : undefined,
        after: { verification: row.documentId, method, expiresAt: new Date(expiresAtMs).toISOString() },
        at: input.now,
      });
      return { row, code, expiresAtMs };
    });
  }

  /** Marks it confirmed and does what it was for, in the caller's transaction; audited as the student's act. */
  async function confirmLocked(trx: Knex.Transaction, { row, purpose }: Confirmable, now: number) {
    await table(strapi, UID.verification).update({ where: { id: row.id }, data: { status: 'confirmed', confirmedAt: new Date(now) } });
    const checked: CheckedReactivation = {
      channel: row.channel as Channel,
      address: row.address as string,
      reason: `${String(row.reason ?? '')} (confirmed by the student)`.trim(),
      actor: { id: String(row.requestedById ?? 'unknown'), name: String(row.requestedByName ?? 'An editor') },
      now,
    };
    await getService(strapi, 'audit').record({
      action: 'confirm-verification',
      actor: STUDENT,
      channel: checked.channel,
      address: checked.address,
      reason: `Confirmed by the student (${row.method === 'link' ? 'link' : 'code'}).`,
      after: { verification: row.documentId },
      at: now,
    });
    const committed = purpose === 'reactivation' ? await getService(strapi, 'reactivation').activate(trx, checked, true) : null;
    return { committed, checked };
  }

  /**
   * Locks the verification row and reads it again (on MySQL the lock must be the transaction's first
   * read, so what follows sees the latest commit), then lets `decide` say what to do with it.
   */
  async function withLockedVerification<T>(id: number, decide: (trx: Knex.Transaction, row: Row) => Promise<T>): Promise<T> {
    return withConflictRetry(() =>
      strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        await lockRowsById(strapi, trx, UID.verification, [id]);
        const row = await table(strapi, UID.verification).findOne({ where: { id } });
        if (!row) throw new AdminApiError(400, LINK_REFUSED);
        return decide(trx, row);
      }),
    );
  }

  /** Runs the reactivation's after-commit work (the providers' lists, Strapi webhooks) when one happened. */
  async function finish(outcome: { committed: Awaited<ReturnType<typeof confirmLocked>> | null; already: boolean }): Promise<VerificationConfirmed> {
    const done = outcome.committed;
    if (done?.committed) await getService(strapi, 'reactivation').afterCommit(done.committed, done.checked);
    return { confirmed: true, alreadyConfirmed: outcome.already };
  }

  type CodeAttempt = { kind: 'confirmed'; committed: Awaited<ReturnType<typeof confirmLocked>> | null; already: boolean } | Extract<CodePageOutcome, { kind: 'refused' }>;

  /**
   * One code attempt on the locked verification row: the rule (core/verification.ts `judgeCode`)
   * decides; a wrong code is counted (and committed) before the refusal is answered, so after
   * `maxCodeAttempts` wrong codes, on any instance, the verification is void.
   */
  async function tryCode(trx: Knex.Transaction, row: Row, code: unknown, now: number): Promise<CodeAttempt> {
    const { maxCodeAttempts } = settings();
    const matches = codeMatches(secret(), row.documentId, code, String(row.codeHash ?? ''));
    const attempts = Number(row.attempts ?? 0);
    const refused = (why: CodeRefusal, left = maxCodeAttempts - attempts): CodeAttempt => ({ kind: 'refused', why, attemptsLeft: Math.max(0, left) });
    if (row.status === 'confirmed') return matches ? { kind: 'confirmed', committed: null, already: true } : refused('wrong');
    if (row.status !== 'pending') return refused('superseded', 0);
    const verdict = judgeCode({ matches, attempts, maxAttempts: maxCodeAttempts, expiresAtMs: toMs(row.expiresAt) ?? 0, now });
    if (verdict === 'confirmed') return { kind: 'confirmed', committed: await confirmLocked(trx, { row, purpose: row.purpose as Confirmable['purpose'] }, now), already: false };
    if (verdict !== 'wrong') return refused(verdict, 0);
    await table(strapi, UID.verification).update({ where: { id: row.id }, data: { attempts: attempts + 1 } });
    return refused('wrong', maxCodeAttempts - attempts - 1);
  }

  return {
    /** Records a pending verification and sends its message. The address stays as it is until the student confirms. */
    async request(input: VerificationRequest): Promise<VerificationView> {
      const { row, code, expiresAtMs } = await record(input);
      const message = await getService(strapi, 'messages').send(messageOf(row, code, expiresAtMs), { scope: 'server', purpose: 'verification' });
      const updated = await table(strapi, UID.verification).update({ where: { id: row.id }, data: { logDocumentId: message.id } });
      strapi.log.info(`[deliverability] verification ${row.documentId} sent (${row.method}), message ${message.id}`);
      return viewOf((updated as Row) ?? row);
    },

    /**
     * An editor's "send again" on a pending verification (the Full Logs card): a new link or code,
     * the old one void, audited as `resend-verification` in the editor's name, same purpose and reason.
     */
    async resend(documentId: unknown, actor: Actor, now = Date.now()): Promise<VerificationView> {
      const old = typeof documentId === 'string' ? await table(strapi, UID.verification).findOne({ where: { documentId } }) : null;
      if (!old) throw new AdminApiError(404, 'There is no such verification.');
      const contact = old.contactType && old.contactDocumentId ? { type: String(old.contactType), documentId: String(old.contactDocumentId) } : null;
      return this.request({
        channel: old.channel as Channel,
        address: old.address as string,
        purpose: old.purpose as VerificationRequest['purpose'],
        reason: String(old.reason ?? ''),
        contact,
        actor,
        now,
        resendOf: old,
      });
    },

    /** The latest verification of this address still waiting for the student (expired ones too: an editor asks again). */
    async pendingFor(channel: Channel, address: string): Promise<VerificationView | null> {
      const row = await table(strapi, UID.verification).findOne({
        where: { channel, address, status: 'pending' },
        orderBy: [{ id: 'desc' }],
      });
      return row ? viewOf(row) : null;
    },

    /**
     * Of these messages' addresses, the new ones (an editor's address change) still waiting for
     * their student's confirmation: the send path holds their messages back. No query while
     * verification is off.
     */
    async awaitingConfirmation(rows: Row[]): Promise<Set<string>> {
      const addresses = [...new Set(rows.map((row) => row.address as string))];
      if (!settings().requireVerification || addresses.length === 0) return new Set();
      const pending = await table(strapi, UID.verification).findMany({
        select: ['channel', 'address'],
        where: { purpose: 'address-change', status: 'pending', address: { $in: addresses } },
      });
      return new Set(pending.map((row) => ledgerKey(row.channel as Channel, row.address as string)));
    },

    /** The student opened the emailed link. */
    async confirmLink(token: unknown, now = Date.now()): Promise<VerificationConfirmed> {
      const checked = readLinkToken(secret(), token, now);
      if (!checked.ok && checked.problem === 'forged') throw new AdminApiError(400, LINK_REFUSED);
      if (!checked.ok) throw new AdminApiError(410, 'This confirmation link has expired: ask the college to send a new one.');
      const found = await table(strapi, UID.verification).findOne({ where: { documentId: checked.verificationId } });
      if (!found) throw new AdminApiError(400, LINK_REFUSED);
      const outcome = await withLockedVerification(found.id, async (trx, row) => {
        if (row.status === 'confirmed') return { committed: null, already: true };
        if (row.status === 'superseded') throw new AdminApiError(410, 'A newer confirmation message was sent: use the link in the latest one.');
        return { committed: await confirmLocked(trx, { row, purpose: row.purpose as Confirmable['purpose'] }, now), already: false };
      });
      return finish(outcome);
    },

    /** The student typed the texted code with their number (JSON). Every refusal reads the same; a wrong code counts towards the lock. */
    async confirmCode(rawAddress: unknown, code: unknown, now = Date.now()): Promise<VerificationConfirmed> {
      const address = typeof rawAddress === 'string' ? normalizeAddress('sms', rawAddress) : null;
      const latest = address
        ? await table(strapi, UID.verification).findOne({
            where: { channel: 'sms', address, status: { $in: ['pending', 'confirmed'] } },
            orderBy: [{ id: 'desc' }],
          })
        : null;
      if (!latest) throw new AdminApiError(400, CODE_REFUSED);
      const outcome = await withLockedVerification(latest.id, (trx, row) => tryCode(trx, row, code, now));
      if (outcome.kind === 'refused') throw new AdminApiError(400, CODE_REFUSED);
      return finish(outcome);
    },

    /**
     * The student typed the texted code on the code page, whose address names the verification
     * (the id is in the text message only). The page may say why a code is refused: the id
     * already shows that this verification exists, and it says nothing about any other.
     */
    async confirmCodeOf(verificationId: unknown, code: unknown, now = Date.now()): Promise<CodePageOutcome> {
      const found = typeof verificationId === 'string' && /^[A-Za-z0-9]{1,64}$/.test(verificationId)
        ? await table(strapi, UID.verification).findOne({ where: { documentId: verificationId, method: 'code' } })
        : null;
      if (!found) return { kind: 'refused', why: 'unknown', attemptsLeft: 0 };
      const outcome = await withLockedVerification(found.id, (trx, row) => tryCode(trx, row, code, now));
      if (outcome.kind === 'refused') return outcome;
      const confirmed = await finish(outcome);
      return { kind: 'confirmed', already: confirmed.alreadyConfirmed };
    },

    /** Whether the code page's id names a verification by code (the GET page shows the form only then). */
    async isCodeVerification(verificationId: unknown): Promise<boolean> {
      if (typeof verificationId !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(verificationId)) return false;
      return (await table(strapi, UID.verification).count({ where: { documentId: verificationId, method: 'code' } })) > 0;
    },

    /**
     * What the per-verification limit (`rateLimits.confirmPerTarget`) counts a confirm request
     * against: the link's verification, or the number a code is typed for (normalized, so that
     * spellings of one number share a count). Null when the request names neither.
     */
    limitTargetOf(body: { token?: unknown; address?: unknown }): string | null {
      if (typeof body.token === 'string') return `link:${body.token.split('.')[0].slice(0, 64)}`;
      const address = typeof body.address === 'string' ? normalizeAddress('sms', body.address) : null;
      return address ? `sms:${address}` : null;
    },

    viewOf,
  };
};
