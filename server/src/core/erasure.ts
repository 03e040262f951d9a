import { createHmac } from 'crypto';
import type { Channel } from './events';

/**
 * What is kept of an erased student's suppressed address: a salted hash (HMAC-SHA256 with the
 * site's secret salt) of its channel and normal form. The ledger check compares it with the
 * hash of an address it has no row for, so the address is still never used; without the salt,
 * the hash cannot be turned back into the address, nor tested against a list of guesses.
 */
export function addressHash(salt: string, channel: Channel, normalizedAddress: string): string {
  return createHmac('sha256', salt).update(`${channel}:${normalizedAddress}`).digest('hex');
}

/**
 * An erased student's consent history keeps its rows (the proof that a STOP was honoured), each
 * number replaced in place by this: its salted hash, marked so that it can never read as a number.
 */
export function erasedConsentAddress(salt: string, channel: Channel, normalizedAddress: string): string {
  return `hash:${addressHash(salt, channel, normalizedAddress)}`;
}
