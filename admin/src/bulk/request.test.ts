import { inputOf, requestOf, type Draft } from './request';

const draft = (changes: Partial<Draft> = {}): Draft => ({
  channel: 'email',
  sourceName: 'Welcome',
  subject: 'Hi {{firstName}}',
  text: 'Term starts Monday.',
  type: 'plugin::deliverability.contact',
  conditions: [{ field: 'lastName', operator: '$eq', value: 'Okafor' }],
  category: 'transactional',
  ...changes,
});

describe('requestOf', () => {
  it('sends an email`s subject and text, with the conditions as a filter', () => {
    expect(requestOf(draft())).toEqual({
      channel: 'email',
      sourceName: 'Welcome',
      subject: 'Hi {{firstName}}',
      text: 'Term starts Monday.',
      category: 'transactional',
      recipients: { type: 'plugin::deliverability.contact', filters: { $and: [{ lastName: { $eq: 'Okafor' } }] } },
    });
  });

  it('sends an SMS`s text as its body, without a subject, and no type as the default one', () => {
    // No category picked yet (the list is loading): none sent, and the server takes its default.
    const request = requestOf(draft({ channel: 'sms', type: '', conditions: [], category: '' }));
    expect(request).toEqual({
      channel: 'sms',
      sourceName: 'Welcome',
      body: 'Term starts Monday.',
      recipients: { type: null, filters: {} },
    });
  });
});

describe('inputOf', () => {
  it.each([
    ['sourceName', 'sourceName'],
    ['subject', 'subject'],
    ['text', 'text'],
    ['body', 'text'],
    ['mergeFields', 'text'],
    ['recipients', 'recipients'],
    ['recipients.filters.nickname', 'recipients'],
    ['recipients.type', 'recipients'],
    ['channel', null],
    [null, null],
  ])('puts a refusal of %s on the %s input', (field, input) => {
    expect(inputOf(field)).toBe(input);
  });
});
