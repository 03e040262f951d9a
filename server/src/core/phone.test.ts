import { normalizeAddress, normalizePhone } from './addresses';
import { parsePhone, setDefaultCountry } from './phone';

/**
 * The phone-number rule: one normal form (E.164) for every path, national numbers read in the
 * site's default country, nothing guessed when there is none.
 */

afterEach(() => setDefaultCountry(null));

describe('with a default country (GB)', () => {
  const gb = { defaultCountry: 'GB' } as const;

  it.each([
    ['07700 900102', '+447700900102'],
    ['07700900102', '+447700900102'],
    ['(07700) 900-102', '+447700900102'],
    ['7700 900102', '+447700900102'],
    ['+44 7700 900102', '+447700900102'],
    ['+44 (0)7700 900102', '+447700900102'],
    ['0044 7700 900102', '+447700900102'],
    ['+1 (212) 555-0123', '+12125550123'],
    ['+33 6 12 34 56 78', '+33612345678'],
  ])('reads %s as %s', (input, expected) => {
    expect(normalizePhone(input, gb)).toBe(expected);
    expect(normalizeAddress('sms', input, gb)).toBe(expected);
  });

  it.each([
    ['07700 90', /too short for GB/],
    ['07700 9001', /has a length that no number in GB \(\+44\) has/],
    ['07700 900102 999', /too long for GB/],
    ['+44 7700 90', /too short for GB/],
    ['+999 1234 5678', /does not start with a calling code that any country uses \(\+999/],
    ['call me', /not a phone number/],
    ['', /empty/],
  ])('refuses %s, saying why', (input, reason) => {
    expect(normalizePhone(input, gb)).toBeNull();
    const result = parsePhone(input, gb);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});

describe('without a default country', () => {
  const none = { defaultCountry: null } as const;

  it('takes international numbers, with + or 00', () => {
    expect(normalizePhone('+44 7700 900102', none)).toBe('+447700900102');
    expect(normalizePhone('0044 7700 900102', none)).toBe('+447700900102');
    expect(normalizePhone('+447700900102', none)).toBe('+447700900102');
  });

  it('refuses a national number instead of guessing its country', () => {
    // The old rule read these digits as a Russian (+7) number.
    expect(normalizePhone('7700900102', none)).toBeNull();
    expect(normalizePhone('07700 900102', none)).toBeNull();
    const result = parsePhone('07700 900102', none);
    expect(!result.ok && result.reason).toMatch(/no country code/);
    expect(!result.ok && result.reason).toMatch(/defaultCountry/);
  });

  it('reads bare international digits only when told to (Vonage reports numbers so)', () => {
    expect(normalizePhone('447700900123', none)).toBeNull();
    expect(normalizePhone('447700900123', { ...none, bareDigitsInternational: true })).toBe('+447700900123');
    // Even where the site has a default country: the report is international whatever the site's country.
    expect(normalizePhone('33612345678', { defaultCountry: 'GB', bareDigitsInternational: true })).toBe('+33612345678');
  });

  it('refuses an impossible international number, saying why', () => {
    const result = parsePhone('+44 7700 90', none);
    expect(!result.ok && result.reason).toMatch(/too short for GB/);
  });
});

describe('the site-wide default country', () => {
  it('applies where a caller gives no options, and an explicit option wins', () => {
    expect(normalizePhone('07700 900102')).toBeNull();
    setDefaultCountry('GB');
    expect(normalizePhone('07700 900102')).toBe('+447700900102');
    expect(normalizeAddress('sms', '07700 900102')).toBe('+447700900102');
    expect(normalizePhone('07700 900102', { defaultCountry: null })).toBeNull();
    expect(normalizePhone('0612345678', { defaultCountry: 'FR' })).toBe('+33612345678');
    // Italy's leading 0 is part of the number, not a national prefix to drop.
    expect(normalizePhone('06 1234 5678', { defaultCountry: 'IT' })).toBe('+390612345678');
    expect(normalizePhone('+39 06 1234 5678', { defaultCountry: null })).toBe('+390612345678');
  });

  it('leaves email addresses alone', () => {
    setDefaultCountry('GB');
    expect(normalizeAddress('email', ' Jane@College.ac.uk ')).toBe('jane@college.ac.uk');
  });
});
