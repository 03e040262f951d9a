import { validatePluginConfig } from './validate';

describe('quietHours config', () => {
  it('is off by default: no channel has a window, critical messages exempt, bulk sends and touchpoints concerned', () => {
    const { quietHours } = validatePluginConfig({});
    expect(quietHours.windows).toEqual({ email: null, sms: null });
    expect(quietHours.exemptCategories).toEqual(['critical']);
    expect(quietHours.sources).toEqual(['grab', 'touchpoint']);
    expect(typeof quietHours.timeZone).toBe('string');
  });

  it('takes windows per channel and a zone, spelt as the runtime spells it', () => {
    const { quietHours } = validatePluginConfig({
      quietHours: { sms: { start: '21:00', end: '08:00' }, email: null, timeZone: 'europe/london', exemptCategories: [] },
    });
    expect(quietHours).toEqual({
      windows: { email: null, sms: { start: '21:00', end: '08:00' } },
      timeZone: 'Europe/London',
      exemptCategories: [],
      sources: ['grab', 'touchpoint'],
    });
  });

  it.each([
    [{ sms: { start: '9pm', end: '08:00' } }, /quietHours\.sms\.start must be a 24-hour time/],
    [{ sms: { start: '21:00' } }, /quietHours\.sms\.end must be a 24-hour time/],
    [{ email: { start: '08:00', end: '08:00' } }, /quietHours\.email\.end must be a time other than the start/],
    [{ sms: '21:00-08:00' }, /quietHours\.sms must be null or/],
    [{ timeZone: 'Mars/Olympus' }, /quietHours\.timeZone must be an IANA time zone/],
    [{ sources: ['grab', 'newsletter'] }, /quietHours\.sources must be names among/],
    [{ exemptCategories: 'critical' }, /quietHours\.exemptCategories must be a list of names/],
    ['yes', /quietHours must be an object/],
  ])('refuses %p at boot, naming the key', (quietHours, message) => {
    expect(() => validatePluginConfig({ quietHours })).toThrow(message);
  });

  it('a contact type may map a time zone field', () => {
    const [, student] = validatePluginConfig({
      contacts: [
        { uid: 'plugin::deliverability.contact' },
        { uid: 'api::student.student', fields: { mobile: 'mobilePhone', timeZone: 'timeZone' } },
      ],
    }).contacts;
    expect(student.fields.timeZone).toBe('timeZone');
    expect(validatePluginConfig({}).contacts[0].fields.timeZone).toBe('timeZone');
  });
});
