/**
 * Address verification, the pure part: the signed links (email) and the codes (SMS) that let a
 * student confirm an address an editor reactivated or changed. A link names its verification and
 * its expiry and is signed with the site's secret, so a forged or edited link is refused before
 * anything is read. A code is six digits; only its keyed hash is stored, and a verification takes a
 * bounded number of wrong codes before it locks.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Channel } from './events';

export type VerificationMethod = 'link' | 'code';

/** A link for email, a code for SMS (a code can be typed from a phone; a link in a text is often blocked). */
export function methodFor(channel: Channel): VerificationMethod {
  return channel === 'email' ? 'link' : 'code';
}

function mac(secret: string, text: string): Buffer {
  return createHmac('sha256', secret).update(text).digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `<verification id>.<expiry, epoch seconds>.<signature>`: URL-safe as it stands. */
export function signLinkToken(secret: string, verificationId: string, expiresAtMs: number): string {
  const expires = Math.floor(expiresAtMs / 1000);
  return `${verificationId}.${expires}.${mac(secret, `link:${verificationId}:${expires}`).toString('base64url')}`;
}

export type LinkTokenCheck =
  | { ok: true; verificationId: string; expiresAtMs: number }
  | { ok: false; problem: 'forged' | 'expired' };

/** Checks the signature first (a forged token says nothing more), then the expiry. */
export function readLinkToken(secret: string, token: unknown, now: number): LinkTokenCheck {
  const parts = typeof token === 'string' && token.length <= 200 ? token.split('.') : [];
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]{1,64}$/.test(parts[0]) || !/^\d{1,12}$/.test(parts[1])) return { ok: false, problem: 'forged' };
  const [verificationId, expires, signature] = parts;
  if (!sameBytes(Buffer.from(signature, 'base64url'), mac(secret, `link:${verificationId}:${expires}`))) return { ok: false, problem: 'forged' };
  const expiresAtMs = Number(expires) * 1000;
  return expiresAtMs <= now ? { ok: false, problem: 'expired' } : { ok: true, verificationId, expiresAtMs };
}

/** Six digits, leading zeros kept. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The stored form of a code: keyed by the secret and the verification, so a table leak gives nothing to look up. */
export function codeHash(secret: string, verificationId: string, code: string): string {
  return mac(secret, `code:${verificationId}:${code}`).toString('hex');
}

export function codeMatches(secret: string, verificationId: string, code: unknown, storedHash: string): boolean {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code.trim())) return false;
  return sameBytes(Buffer.from(codeHash(secret, verificationId, code.trim()), 'hex'), Buffer.from(storedHash, 'hex'));
}

export type CodeVerdict = 'confirmed' | 'wrong' | 'locked' | 'expired';

/**
 * The rule for one code attempt: a locked verification (too many wrong codes) or an expired one
 * refuses even the right code; otherwise the code decides. `attempts` counts earlier wrong codes.
 */
export function judgeCode(input: { matches: boolean; attempts: number; maxAttempts: number; expiresAtMs: number; now: number }): CodeVerdict {
  if (input.attempts >= input.maxAttempts) return 'locked';
  if (input.expiresAtMs <= input.now) return 'expired';
  return input.matches ? 'confirmed' : 'wrong';
}

/** Why the code page refuses a code: `unknown` (no such verification), or what the rule said. */
export type CodeRefusal = 'unknown' | 'wrong' | 'expired' | 'locked' | 'superseded';
