import { validatePluginConfig } from './validate';

describe('sending.defaultCountry', () => {
  it('is optional', () => {
    expect(validatePluginConfig({}).sending.defaultCountry).toBeNull();
  });

  it('takes a two-letter country code, in either case', () => {
    expect(validatePluginConfig({ sending: { defaultCountry: 'GB' } }).sending.defaultCountry).toBe('GB');
    expect(validatePluginConfig({ sending: { defaultCountry: ' ie ' } }).sending.defaultCountry).toBe('IE');
  });

  it.each(['UK', 'GBR', 'XX', 44])('refuses %p, naming the setting', (value) => {
    expect(() => validatePluginConfig({ sending: { defaultCountry: value } })).toThrow(/deliverability\.sending\.defaultCountry must be a two-letter country code such as 'GB'/);
  });
});

describe('sending.emailPath and sending.sesConfigurationSet', () => {
  it('are optional: the path is then decided from the Email plugin provider', () => {
    const { sending } = validatePluginConfig({});
    expect([sending.emailPath, sending.sesConfigurationSet]).toEqual([null, null]);
  });

  it('take api or smtp, and a configuration set name', () => {
    const { sending } = validatePluginConfig({ sending: { emailProvider: 'ses', emailPath: 'smtp', sesConfigurationSet: 'dlv-events' } });
    expect([sending.emailPath, sending.sesConfigurationSet]).toEqual(['smtp', 'dlv-events']);
  });

  it('refuses another path, naming the setting', () => {
    expect(() => validatePluginConfig({ sending: { emailPath: 'relay' } })).toThrow(/deliverability\.sending\.emailPath must be one of 'api', 'smtp'/);
  });
});

describe('unsubscribe', () => {
  const secret = 'x'.repeat(32);

  it('is off without a secret, with a 60-day link and no mailto by default', () => {
    expect(validatePluginConfig({}).unsubscribe).toEqual({ secret: null, previousSecrets: [], expiryDays: 60, mailto: null });
  });

  it('takes a secret, retired secrets (a list or comma-separated), an expiry and a mailto', () => {
    const config = validatePluginConfig({ unsubscribe: { secret, previousSecrets: `${'y'.repeat(40)}, ${'z'.repeat(33)}`, expiryDays: 30, mailto: 'leave@college.ac.uk' } });
    expect(config.unsubscribe).toEqual({ secret, previousSecrets: ['y'.repeat(40), 'z'.repeat(33)], expiryDays: 30, mailto: 'leave@college.ac.uk' });
  });

  it.each([
    [{ secret: 'short' }, /unsubscribe\.secret must be a secret of at least 32 characters \(got "\(too short\)"\)/],
    [{ secret, previousSecrets: ['short'] }, /unsubscribe\.previousSecrets\[0\] must be a secret of at least 32 characters/],
    [{ secret, expiryDays: 0 }, /unsubscribe\.expiryDays must be/],
    [{ secret, mailto: 'not an address' }, /unsubscribe\.mailto must be an email address/],
    ['on', /deliverability\.unsubscribe must be an object/],
  ])('refuses %p, naming the setting and never echoing a secret', (unsubscribe, message) => {
    let error: Error | null = null;
    try {
      validatePluginConfig({ unsubscribe });
    } catch (thrown) {
      error = thrown as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('short"');
    expect(error?.message).not.toContain(secret);
  });
});

describe('retrier.maxUnrecorded and bulk.maxUnrecorded', () => {
  it('follow their section’s concurrency unless set', () => {
    const config = validatePluginConfig({ retrier: { concurrency: 12 }, bulk: { concurrency: 6 } });
    expect(config.retrier.maxUnrecorded).toBe(12);
    expect(config.bulk.maxUnrecorded).toBe(6);
    expect(validatePluginConfig({}).retrier).toMatchObject({ concurrency: 4, maxUnrecorded: 4 });
  });

  it('keep an explicit 0 (slots wait for each record)', () => {
    const config = validatePluginConfig({ retrier: { maxUnrecorded: 0 }, bulk: { maxUnrecorded: 0 } });
    expect(config.retrier.maxUnrecorded).toBe(0);
    expect(config.bulk.maxUnrecorded).toBe(0);
  });
});
