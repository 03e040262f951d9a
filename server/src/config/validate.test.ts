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
