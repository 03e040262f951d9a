import {
  DEFAULT_CATEGORY_POLICIES,
  UNCATEGORISED_POLICY,
  carriesOneClickUnsubscribe,
  categoryPolicyOf,
  refusesMessageOf,
} from './categories';
import { validateBulkSendInput } from './bulk-input';
import { MessageInputError, checkCategory, validateMessageInput } from './message-input';
import { ADDRESS_STATES, isSuppressed } from './statuses';
import { validateCategories } from '../config/categories';
import { PolicyError } from './policy';
import { reachOf } from './reach';

const policies = DEFAULT_CATEGORY_POLICIES;

describe('the category policy: which address states refuse which category', () => {
  it('lets transactional and critical mail reach an unsubscribed address, and not marketing', () => {
    expect(refusesMessageOf(policies, 'critical', 'unsubscribed')).toBe(false);
    expect(refusesMessageOf(policies, 'transactional', 'unsubscribed')).toBe(false);
    expect(refusesMessageOf(policies, 'marketing', 'unsubscribed')).toBe(true);
  });

  it.each(['critical', 'transactional', 'marketing', null, 'removed-since'])(
    'never lets %s reach a failed, complained or opted-out address, and always lets it reach an active or soft-bouncing one',
    (category) => {
      for (const state of ['failed', 'complained', 'opted_out'] as const) expect(refusesMessageOf(policies, category, state)).toBe(true);
      for (const state of ['active', 'soft_bouncing'] as const) expect(refusesMessageOf(policies, category, state)).toBe(false);
    },
  );

  it('keeps the rule of before categories for a message without one: every suppressed state refuses it', () => {
    for (const state of ADDRESS_STATES) expect(refusesMessageOf(policies, null, state)).toBe(isSuppressed(state));
  });

  it('treats a category the site has since removed as uncategorised, the strictest rule', () => {
    expect(categoryPolicyOf(policies, 'removed-since')).toBe(UNCATEGORISED_POLICY);
    expect(categoryPolicyOf(policies, 'constructor')).toBe(UNCATEGORISED_POLICY);
  });

  it('even a site category that sends to unsubscribed addresses cannot reach a complained one', () => {
    const site = validateCategories('c', { alerts: { sendToUnsubscribed: true, fallback: true } });
    expect(refusesMessageOf(site, 'alerts', 'unsubscribed')).toBe(false);
    expect(refusesMessageOf(site, 'alerts', 'complained')).toBe(true);
  });

  it('puts one-click unsubscribe on marketing only', () => {
    expect(carriesOneClickUnsubscribe(policies, 'marketing')).toBe(true);
    expect(carriesOneClickUnsubscribe(policies, 'critical')).toBe(false);
    expect(carriesOneClickUnsubscribe(policies, 'transactional')).toBe(false);
    expect(carriesOneClickUnsubscribe(policies, null)).toBe(false);
  });

  it('falls back on critical only, by default', () => {
    expect(Object.keys(policies).filter((name) => policies[name].fallback)).toEqual(['critical']);
  });
});

describe('the categories config', () => {
  it('overrides a default field by field and adds new categories from "no" on every field', () => {
    const site = validateCategories('deliverability.categories', { transactional: { fallback: true }, alumni: { oneClickUnsubscribe: true } });
    expect(site.transactional).toEqual({ sendToUnsubscribed: true, fallback: true, oneClickUnsubscribe: false });
    expect(site.alumni).toEqual({ sendToUnsubscribed: false, fallback: false, oneClickUnsubscribe: true });
    expect(site.marketing).toEqual(DEFAULT_CATEGORY_POLICIES.marketing);
  });

  it('refuses a bad name, an unknown field and a non-boolean, naming the key', () => {
    expect(() => validateCategories('c', { 'Bad Name': {} })).toThrow(/c\.Bad Name/);
    expect(() => validateCategories('c', { critical: { fallbak: true } })).toThrow(/c\.critical\.fallbak/);
    expect(() => validateCategories('c', { critical: { fallback: 'yes' } })).toThrow(PolicyError);
    expect(() => validateCategories('c', ['critical'])).toThrow(PolicyError);
  });
});

describe('a send request with a category and a fallback', () => {
  const email = { channel: 'email', to: { contact: 'abc' }, subject: 'Registration hold', text: 'Your registration is on hold.' };

  it('keeps the category and the other channel’s version', () => {
    const input = validateMessageInput({ ...email, category: 'critical', fallback: { body: 'Registration hold: check your email.' } });
    expect(input.category).toBe('critical');
    expect(input.fallback).toEqual({ body: 'Registration hold: check your email.' });
    const sms = validateMessageInput({ channel: 'sms', to: { contact: 'abc' }, body: 'Hold', category: 'critical', fallback: { subject: 'Hold', html: '<p>Hold</p>' } });
    expect(sms.fallback).toEqual({ subject: 'Hold', html: '<p>Hold</p>', text: null });
  });

  it('has neither when none is given', () => {
    const input = validateMessageInput(email);
    expect(input.category).toBeNull();
    expect(input.fallback).toBeNull();
  });

  it.each([
    [{ category: 'Critical!' }, 'category'],
    [{ category: 7 }, 'category'],
    [{ fallback: 'text me' }, 'fallback'],
    [{ fallback: { subject: 'Wrong channel', text: 'an email for an email' } }, 'fallback.body'],
    [{ fallback: { body: 'x'.repeat(1601) } }, 'fallback.body'],
  ])('refuses %j, naming %s', (extra, field) => {
    expect(() => validateMessageInput({ ...email, ...extra })).toThrow(expect.objectContaining({ field }));
  });

  it('is checked against the site’s categories: an unknown one, or a fallback on a category that does not fall back', () => {
    expect(() => checkCategory({ category: 'newsletter', fallback: null }, policies)).toThrow(expect.objectContaining({ field: 'category' }));
    expect(() => checkCategory({ category: 'marketing', fallback: { body: 'x' } }, policies)).toThrow(expect.objectContaining({ field: 'fallback' }));
    expect(() => checkCategory({ category: null, fallback: { body: 'x' } }, policies)).toThrow(MessageInputError);
    expect(() => checkCategory({ category: 'critical', fallback: { body: 'x' } }, policies)).not.toThrow();
  });
});

describe('a bulk send’s category', () => {
  const bulk = { channel: 'email', subject: 'Open day', text: 'Come along', sourceName: 'Open day', recipients: { contacts: ['a'] } };

  it('is marketing unless the request says otherwise', () => {
    expect(validateBulkSendInput(bulk).category).toBe('marketing');
    expect(validateBulkSendInput({ ...bulk, category: 'transactional' }).category).toBe('transactional');
  });

  it('takes no fallback', () => {
    expect(() => validateBulkSendInput({ ...bulk, category: 'critical', fallback: { body: 'x' } })).toThrow(expect.objectContaining({ field: 'fallback' }));
  });
});

describe('whether a message reached the student on either channel', () => {
  it.each([
    ['delivered', null, 'first'],
    ['complained', null, 'first'],
    // An email delivered after an editor's retry, though its SMS fallback also went: reached first.
    ['delivered', 'delivered', 'first'],
    ['bounced', 'delivered', 'fallback'],
    ['dropped', 'complained', 'fallback'],
    ['failed', 'delivered', 'fallback'],
    ['bounced', null, 'notReached'],
    ['dropped', 'failed', 'notReached'],
    ['failed', 'dropped', 'notReached'],
    ['bounced', 'sent', 'awaiting'],
    ['dropped', 'queued', 'awaiting'],
    ['sent', null, 'awaiting'],
    ['deferred', null, 'awaiting'],
  ] as const)('%s, then a fallback %s: %s', (first, fallback, reach) => {
    expect(reachOf(first, fallback)).toBe(reach);
  });
});
