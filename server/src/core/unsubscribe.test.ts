import {
  MAX_TOKEN_LENGTH,
  isOneClickBody,
  listUnsubscribeHeaders,
  maskAddress,
  oneClickEvent,
  offersOneClickUnsubscribe,
  parseUnsubscribeToken,
  signUnsubscribeToken,
  verifyUnsubscribeToken,
  type UnsubscribeClaim,
} from './unsubscribe';
import { escapeHtml, renderUnsubscribePage } from './unsubscribe-page';

const SECRET = 'a'.repeat(32) + '-current';
const OLD_SECRET = 'b'.repeat(32) + '-retired';
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const DAY = 86_400_000;
const ADDRESS = 'student@example.ac.uk';
const claim: UnsubscribeClaim = { channel: 'email', logDocumentId: 'k2v9x0abcdefghijklmnopqr', expiresAt: NOW + 60 * DAY };

/** Signs, parses and verifies, as the server does with the address read from the message's log. */
function roundTrip(token: string, address = ADDRESS, now = NOW, secrets = [SECRET]) {
  const parsed = parseUnsubscribeToken(token, now);
  if (!parsed.ok) return parsed.problem;
  return verifyUnsubscribeToken(parsed.token, address, secrets) ? 'valid' : 'forged';
}

/** `token` with the character at `index` replaced by another one of the same alphabet. */
function flip(token: string, index: number): string {
  const c = token[index];
  const other = c === 'A' ? 'B' : c === '0' ? '1' : c === 'a' ? 'b' : /[0-9]/.test(c) ? '0' : /[a-z]/.test(c) ? 'a' : 'A';
  return token.slice(0, index) + other + token.slice(index + 1);
}

describe('the unsubscribe token', () => {
  const token = signUnsubscribeToken(SECRET, claim, ADDRESS);

  it('names the channel, the message and the expiry, and not the address', () => {
    expect(token).toMatch(/^1\.e\.k2v9x0abcdefghijklmnopqr\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(token).not.toContain('student');
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    const parsed = parseUnsubscribeToken(token, NOW);
    expect(parsed).toMatchObject({ ok: true, token: { channel: 'email', logDocumentId: claim.logDocumentId, expiresAt: claim.expiresAt } });
  });

  it('verifies for the address it was signed for, and for no other', () => {
    expect(roundTrip(token)).toBe('valid');
    expect(roundTrip(token, 'other@example.ac.uk')).toBe('forged');
    expect(roundTrip(token, 'Student@example.ac.uk')).toBe('forged');
  });

  it('is refused once expired, to the second', () => {
    expect(roundTrip(token, ADDRESS, claim.expiresAt - 1000)).toBe('valid');
    expect(roundTrip(token, ADDRESS, claim.expiresAt)).toBe('expired');
    expect(roundTrip(token, ADDRESS, claim.expiresAt + DAY)).toBe('expired');
  });

  it('is refused when any one character is changed', () => {
    for (let i = 0; i < token.length; i += 1) {
      if (token[i] === '.') continue;
      const tampered = flip(token, i);
      // A changed expiry can land in the past: refused either way, never valid.
      expect([i, roundTrip(tampered)]).not.toEqual([i, 'valid']);
    }
  });

  it('cannot be moved to another message or a later expiry without the secret', () => {
    const [v, ch, , expiry, mac] = token.split('.');
    expect(roundTrip([v, ch, 'zzzzzzzzzzzzzzzzzzzzzzzz', expiry, mac].join('.'))).toBe('forged');
    expect(roundTrip([v, ch, claim.logDocumentId, (parseInt(expiry, 36) + 86_400).toString(36), mac].join('.'))).toBe('forged');
    expect(roundTrip([v, 's', claim.logDocumentId, expiry, mac].join('.'))).toBe('forged');
  });

  it('signed with another secret is forged; a retired secret still honoured is accepted', () => {
    const old = signUnsubscribeToken(OLD_SECRET, claim, ADDRESS);
    expect(roundTrip(old)).toBe('forged');
    expect(roundTrip(old, ADDRESS, NOW, [SECRET, OLD_SECRET])).toBe('valid');
  });

  it.each([
    ['nothing', undefined],
    ['a number', 42],
    ['an empty text', ''],
    ['another version', token.replace(/^1\./, '2.')],
    ['a missing part', token.split('.').slice(0, 4).join('.')],
    ['a short MAC', token.slice(0, -1)],
    ['characters outside the alphabet', token.replace('k2v9', 'k2/9')],
    ['an over-long text', `${token}${'a'.repeat(MAX_TOKEN_LENGTH)}`],
  ])('is malformed when it is %s', (_what, text) => {
    expect(parseUnsubscribeToken(text, NOW)).toEqual({ ok: false, problem: 'malformed' });
  });
});

describe('which messages offer it, and the headers', () => {
  it('is bulk email only', () => {
    expect(offersOneClickUnsubscribe({ channel: 'email', bulkSendId: 'b1' })).toBe(true);
    expect(offersOneClickUnsubscribe({ channel: 'email', bulkSendId: null })).toBe(false);
    expect(offersOneClickUnsubscribe({ channel: 'email', bulkSendId: '' })).toBe(false);
    expect(offersOneClickUnsubscribe({ channel: 'sms', bulkSendId: 'b1' })).toBe(false);
  });

  it('gives the https URL first, the mailto when configured, and the RFC 8058 Post header', () => {
    expect(listUnsubscribeHeaders('https://crm.example/u/T', null)).toEqual({
      'List-Unsubscribe': '<https://crm.example/u/T>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(listUnsubscribeHeaders('https://crm.example/u/T', 'leave@crm.example')['List-Unsubscribe']).toBe(
      '<https://crm.example/u/T>, <mailto:leave@crm.example?subject=unsubscribe>',
    );
  });

  it('reads the RFC 8058 body, and nothing else, as a one-click request', () => {
    expect(isOneClickBody({ 'List-Unsubscribe': 'One-Click' })).toBe(true);
    expect(isOneClickBody({ 'List-Unsubscribe': ['One-Click'] })).toBe(true);
    expect(isOneClickBody({ 'List-Unsubscribe': 'one-click' })).toBe(false);
    expect(isOneClickBody({})).toBe(false);
    expect(isOneClickBody('List-Unsubscribe=One-Click')).toBe(false);
    expect(isOneClickBody(undefined)).toBe(false);
  });

  it('is one event per message: a second click has the same key', () => {
    const message = { channel: 'email' as const, address: ADDRESS, logDocumentId: 'doc1' };
    const first = oneClickEvent(message, NOW);
    expect(first).toMatchObject({ provider: 'one-click', kind: 'unsubscribe', correlationId: 'doc1', address: ADDRESS, occurredAt: NOW });
    expect(oneClickEvent(message, NOW + 5000).eventKey).toBe(first.eventKey);
    expect(oneClickEvent({ ...message, logDocumentId: 'doc2' }, NOW).eventKey).not.toBe(first.eventKey);
  });

  it('counts again once the address was reactivated, once per reactivation', () => {
    const message = { channel: 'email' as const, address: ADDRESS, logDocumentId: 'doc1' };
    const before = oneClickEvent(message, NOW).eventKey;
    const after = oneClickEvent(message, NOW + 5000, NOW + 1000).eventKey;
    expect(after).not.toBe(before);
    expect(oneClickEvent(message, NOW + 9000, NOW + 1000).eventKey).toBe(after);
  });
});

describe('the page', () => {
  it('masks the address', () => {
    expect(maskAddress('student@example.ac.uk')).toBe('s•••@example.ac.uk');
  });

  it('escapes what it shows, and its form posts the one-click body', () => {
    const html = renderUnsubscribePage({ kind: 'confirm', action: '/api/x/"><script>', maskedAddress: '<b>@x' });
    expect(html).not.toContain('<script>');
    expect(html).toContain(escapeHtml('/api/x/"><script>'));
    expect(html).toContain('&lt;b&gt;@x');
    expect(html).toContain('<form method="post"');
    expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
  });
});
