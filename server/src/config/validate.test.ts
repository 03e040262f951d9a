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
