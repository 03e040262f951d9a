import { judgeBreaker, DEFAULT_BREAKER_POLICY } from './bulk-breaker';
import { contentMergeFields, validateBulkSendInput } from './bulk-input';
import { MessageInputError } from './message-input';
import { mergeFieldsOf, renderMergeFields } from './merge-fields';
import { createTokenBucket } from './token-bucket';
import { mailboxProviderOf } from './mailbox-providers';

describe('merge fields', () => {
  it('lists each field once, with its fallback', () => {
    expect(mergeFieldsOf('Hi {{ firstName }}, {{lastName|there}} {{firstName}}')).toEqual([
      { name: 'firstName', fallback: null },
      { name: 'lastName', fallback: 'there' },
    ]);
  });

  it('renders values, falls back, and names the fields with neither', () => {
    expect(renderMergeFields('Hi {{firstName}} {{lastName}}', { firstName: 'Ada', lastName: 'Okafor' })).toEqual({ text: 'Hi Ada Okafor', missing: [] });
    expect(renderMergeFields('Hi {{firstName|student}}', { firstName: '  ' })).toEqual({ text: 'Hi student', missing: [] });
    expect(renderMergeFields('Hi {{firstName}}, room {{room}}', { firstName: null, room: 4 })).toEqual({ text: 'Hi , room 4', missing: ['firstName'] });
  });

  it('leaves text without fields alone, and ignores malformed braces', () => {
    expect(renderMergeFields('50% off {{ }} {x}', {})).toEqual({ text: '50% off {{ }} {x}', missing: [] });
  });
});

describe('a bulk send request', () => {
  const valid = { channel: 'email', subject: 'Welcome {{firstName}}', text: 'Term starts Monday', sourceName: 'Week 0', recipients: { filters: { lastName: { $eq: 'Okafor' } } } };

  it('is accepted whole, with its merge fields', () => {
    const input = validateBulkSendInput(valid);
    expect(input.recipients).toEqual({ kind: 'filter', type: null, filters: { lastName: { $eq: 'Okafor' } } });
    expect(contentMergeFields(input.content)).toEqual(['firstName']);
  });

  it.each([
    [{ ...valid, channel: 'fax' }, 'channel'],
    [{ ...valid, subject: undefined }, 'subject'],
    [{ ...valid, text: undefined }, 'text'],
    [{ ...valid, sourceName: ' ' }, 'sourceName'],
    [{ ...valid, recipients: undefined }, 'recipients'],
    [{ ...valid, recipients: { contacts: [] } }, 'recipients.contacts'],
    [{ ...valid, recipients: { contacts: ['a'], filters: {} } }, 'recipients'],
    [{ ...valid, recipients: { filters: 'lastName=Okafor' } }, 'recipients.filters'],
    [{ channel: 'sms', sourceName: 'x', recipients: { contacts: ['a'] } }, 'body'],
  ])('refuses %j naming %s', (raw, field) => {
    expect(() => validateBulkSendInput(raw)).toThrow(MessageInputError);
    try {
      validateBulkSendInput(raw);
    } catch (error) {
      expect((error as MessageInputError).field).toBe(field);
    }
  });

  it('sends each listed contact once', () => {
    expect(validateBulkSendInput({ ...valid, recipients: { contacts: ['a', 'b', 'a'] } }).recipients).toEqual({ kind: 'contacts', type: null, documentIds: ['a', 'b'] });
  });
});

describe('the breaker', () => {
  const policy = { ...DEFAULT_BREAKER_POLICY, minSample: 100 };
  const email = (resolved: number, hardBounced: number, complained = 0) => ({ channel: 'email' as const, resolved, hardBounced, complained, failed: 0 });

  it('waits for the minimum sample', () => {
    expect(judgeBreaker(email(99, 50), policy)).toBeNull();
  });

  it('trips on a bounce rate above the threshold, with its figures', () => {
    expect(judgeBreaker(email(100, 5), policy)).toBeNull();
    expect(judgeBreaker(email(100, 6), policy)).toEqual({ metric: 'hardBounceRate', rate: 0.06, threshold: 0.05, sample: 100, count: 6 });
  });

  it('trips on complaints at SES review level', () => {
    expect(judgeBreaker(email(1000, 0, 1), policy)).toBeNull();
    expect(judgeBreaker(email(1000, 0, 2), policy)?.metric).toBe('complaintRate');
  });

  it('judges SMS by its failure rate only', () => {
    expect(judgeBreaker({ channel: 'sms', resolved: 100, hardBounced: 0, complained: 0, failed: 6 }, policy)?.metric).toBe('smsFailureRate');
    expect(judgeBreaker({ channel: 'sms', resolved: 100, hardBounced: 50, complained: 0, failed: 0 }, policy)).toBeNull();
  });
});

describe('the token bucket', () => {
  it('allows one second of burst, then paces at the rate', () => {
    const bucket = createTokenBucket(10, 0);
    const waits = Array.from({ length: 12 }, () => bucket.take(0));
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits.slice(10)).toEqual([100, 200]);
    // Half a second later, five tokens came back, two of which were already promised.
    expect(bucket.take(500)).toBe(0);
  });

  it('never holds more than one second of tokens', () => {
    const bucket = createTokenBucket(2, 0);
    const waits = Array.from({ length: 3 }, () => bucket.take(60_000));
    expect(waits).toEqual([0, 0, 500]);
  });
});

describe('mailbox providers', () => {
  const campus = ['college.ac.uk'];
  it.each([
    ['ada@college.ac.uk', 'campus'],
    ['ada@students.college.ac.uk', 'campus'],
    ['ada@notcollege.ac.uk', 'other'],
    ['ada@GMail.com', 'gmail'],
    ['ada@hotmail.co.uk', 'microsoft'],
    ['ada@aol.com', 'yahoo'],
    ['ada@example.org', 'other'],
  ])('%s is %s', (address, provider) => {
    expect(mailboxProviderOf(address, campus)).toBe(provider);
  });
});
