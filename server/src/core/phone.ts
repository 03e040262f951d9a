/**
 * The phone-number rule: every number is kept in E.164 (`+` and the digits), whichever path it
 * came by (a contact, a host student type, a send, a provider's report, a look-up).
 *
 * Parsing and the length rules are libphonenumber-js's, with its 'min' metadata: every country's
 * calling code, national prefix and possible lengths, which is what turning a national number into
 * E.164 and refusing an impossible one needs. A number is taken when its length is possible for
 * its country. Validity by digit patterns (`isValid()`, and all that 'max' adds) is not used: with
 * either metadata set it refuses the UK's drama range (07700 900xxx) that sites test with, and
 * every number in a range allocated after the pinned metadata; a real but unreachable number is
 * reported by the provider (Twilio 21211, 21614), and the ledger marks it failed.
 */
import {
  Metadata,
  ParseError,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';

export type { CountryCode };

export interface PhoneOptions {
  /**
   * The country of numbers written without an international prefix (ISO 3166 alpha-2, `GB`).
   * `null`: such numbers are refused. Left out: the site's default (`setDefaultCountry`).
   */
  defaultCountry?: CountryCode | null;
  /**
   * Digits without `+` or `00` are an international number (`447700900123`), as Vonage reports
   * them. Only for inputs known to be international: otherwise `7700900102` would become +7.
   */
  bareDigitsInternational?: boolean;
}

export type PhoneParse = { ok: true; e164: string } | { ok: false; reason: string };

/**
 * The site's default country, set once at boot from `sending.defaultCountry`. Module state rather
 * than a parameter at every call: the address rule runs on paths that are given no config (intake,
 * the ledger, the send request's validation), and one setting must give them all the same answer.
 */
let siteDefaultCountry: CountryCode | null = null;

export function setDefaultCountry(country: CountryCode | null): void {
  siteDefaultCountry = country;
}

export function isCountryCode(value: unknown): value is CountryCode {
  return typeof value === 'string' && /^[A-Z]{2}$/.test(value) && isSupportedCountry(value as CountryCode, metadata);
}

// The typings leave out what the runtime has: the national prefix and the countries of a calling code.
interface NumberingPlanInternals {
  nationalPrefix(): string | undefined;
}
interface MetadataInternals {
  numberingPlan?: NumberingPlanInternals;
  getCountryCodesForCallingCode(callingCode: string): CountryCode[] | undefined;
}
const plans = new Metadata(metadata) as unknown as Metadata & MetadataInternals;

function nationalPrefixOf(country: CountryCode): string | null {
  plans.selectNumberingPlan(country);
  return plans.numberingPlan?.nationalPrefix() ?? null;
}

/** `GB (+44)`: the country a message names, the main one where a calling code is shared. */
function placeOf(parsed: PhoneNumber | null, callingCode: string): string {
  const country = parsed?.country ?? plans.getCountryCodesForCallingCode(callingCode)?.[0];
  return country ? `${country} (+${callingCode})` : `+${callingCode}`;
}

// Separators people write numbers with; anything else (letters, "ext.") is not taken.
const SEPARATORS = /[\s\-.()/\u00a0]/g;
const WRITTEN_NUMBER = /^\+?\d+$/;
const LENGTH_PROBLEMS: Record<string, (place: string) => string> = {
  TOO_SHORT: (place) => `is too short for ${place}`,
  TOO_LONG: (place) => `is too long for ${place}`,
  INVALID_LENGTH: (place) => `has a length that no number in ${place} has`,
};

const refuse = (reason: string): PhoneParse => ({ ok: false, reason });

/** Reads a number written by a person or reported by a provider; says why when it cannot be one. */
export function parsePhone(input: string, options: PhoneOptions = {}): PhoneParse {
  const defaultCountry = options.defaultCountry === undefined ? siteDefaultCountry : options.defaultCountry;
  const compact = input.trim().replace(SEPARATORS, '');
  if (compact === '') return refuse('is empty');
  if (!WRITTEN_NUMBER.test(compact)) return refuse('is not a phone number (digits, with spaces, dashes, dots or brackets, and + before a country code)');

  let text: string;
  if (compact.startsWith('+')) text = compact;
  else if (compact.startsWith('00')) text = `+${compact.slice(2)}`;
  else if (options.bareDigitsInternational) text = `+${compact}`;
  else if (defaultCountry) text = compact;
  else {
    return refuse(
      'has no country code: write it with + and the country code (such as +447700900123), or set a default country for national numbers (sending.defaultCountry)',
    );
  }
  const national = !text.startsWith('+');
  const parseOptions = national ? { defaultCountry: defaultCountry as CountryCode } : {};

  let parsed: PhoneNumber;
  try {
    parsed = parsePhoneNumberWithError(text, parseOptions, metadata);
  } catch (error) {
    if (!(error instanceof ParseError) && !(error instanceof Error && error.name === 'ParseError')) throw error;
    const reason = (error as { message: string }).message;
    if (reason === 'INVALID_COUNTRY') return refuse(`does not start with a calling code that any country uses (${text.slice(0, 4)}…)`);
    const place = national ? placeOf(null, getCountryCallingCode(defaultCountry as CountryCode, metadata)) : `+${text.slice(1, 4)}…`;
    return refuse(LENGTH_PROBLEMS[reason]?.(place) ?? 'is not a phone number');
  }
  const place = placeOf(parsed, parsed.countryCallingCode);
  const problem = validatePhoneNumberLength(text, parseOptions, metadata);
  if (problem) return refuse(LENGTH_PROBLEMS[problem]?.(place) ?? 'is not a phone number');

  // libphonenumber keeps a national prefix it cannot strip ("07700 90": "770090" is too short), and
  // the number with it can be of a possible length. Judge the number without it instead. Where the
  // prefix is part of real numbers (Italy's 06…), the rest is possible and the number stands.
  const prefix = national ? nationalPrefixOf(parsed.country ?? (defaultCountry as CountryCode)) : null;
  if (prefix && parsed.nationalNumber.startsWith(prefix)) {
    const withoutPrefix = validatePhoneNumberLength(`+${parsed.countryCallingCode}${parsed.nationalNumber.slice(prefix.length)}`, {}, metadata);
    if (withoutPrefix) return refuse(LENGTH_PROBLEMS[withoutPrefix]?.(place) ?? 'is not a phone number');
  }
  if (!parsed.isPossible()) return refuse(`is not a possible number in ${place}`);
  return { ok: true, e164: parsed.number };
}

