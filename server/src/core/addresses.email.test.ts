import { MAX_EMAIL_LENGTH, normalizeAddress, normalizeEmail } from './addresses';

/** The email half of the address rules (the phone half has its own tests). */
describe('normalizeEmail', () => {
  it('keeps the form it always had', () => {
    expect(normalizeEmail('  Ana@Example.COM ')).toBe('ana@example.com');
    expect(normalizeEmail('a@b.c')).toBe('a@b.c');
    expect(normalizeEmail('first.last+tag@sub.example.ac.uk')).toBe('first.last+tag@sub.example.ac.uk');
  });

  it.each([
    ['no @', 'example.com'],
    ['two @', 'a@b@example.com'],
    ['no dot in the domain', 'a@localhost'],
    ['a dot only at the start of the domain', 'a@.com'],
    ['a dot only at the end of the domain', 'a@com.'],
    ['an empty local part', '@example.com'],
    ['a space inside', 'a b@example.com'],
    ['angle brackets', '<a@example.com>'],
  ])('refuses %s', (_why, input) => {
    expect(normalizeEmail(input)).toBeNull();
  });

  it(`refuses an address longer than ${MAX_EMAIL_LENGTH} characters, and accepts one of exactly that length`, () => {
    const domain = '@example.com';
    const longest = 'a'.repeat(MAX_EMAIL_LENGTH - domain.length) + domain;
    expect(normalizeEmail(longest)).toBe(longest);
    expect(normalizeEmail(`a${longest}`)).toBeNull();
  });

  it('refuses the pathological address that used to take seconds (many dots, no valid end)', () => {
    const hostile = `x@${'a.'.repeat(50_000)}@`;
    expect(normalizeEmail(hostile)).toBeNull();
    expect(normalizeAddress('email', hostile)).toBeNull();
    // Nor is it read as a mobile number.
    expect(normalizeAddress('sms', hostile)).toBeNull();
    // The same shape, short enough to pass the length bound, is still refused by the pattern.
    expect(normalizeEmail(`x@${'a.'.repeat(100)}@`)).toBeNull();
  });
});

describe('normalizeEmail, the domain dot', () => {
  it('accepts a domain whose last dot is at its end when an earlier one is inside', () => {
    // The old pattern read `a.b.` as `a` `.` `b.`: kept, so that no stored address changes meaning.
    expect(normalizeEmail('x@a.b.')).toBe('x@a.b.');
  });
});
