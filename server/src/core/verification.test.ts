import { codeHash, codeMatches, judgeCode, methodFor, newCode, readLinkToken, signLinkToken } from './verification';

const SECRET = 'a-verification-secret-for-tests';
const NOW = Date.UTC(2026, 10, 30, 12);

describe('verification links', () => {
  it('reads back a link it signed, until it expires', () => {
    const token = signLinkToken(SECRET, 'abc123', NOW + 3_600_000);
    expect(readLinkToken(SECRET, token, NOW)).toEqual({ ok: true, verificationId: 'abc123', expiresAtMs: NOW + 3_600_000 });
    expect(readLinkToken(SECRET, token, NOW + 3_600_000)).toEqual({ ok: false, problem: 'expired' });
  });

  it('refuses an edited, foreign or malformed token as forged, before looking at the expiry', () => {
    const token = signLinkToken(SECRET, 'abc123', NOW - 1000);
    const [id, expires, signature] = token.split('.');
    expect(readLinkToken(SECRET, `${id}.${Number(expires) + 86_400}.${signature}`, NOW)).toEqual({ ok: false, problem: 'forged' });
    expect(readLinkToken(SECRET, `other.${expires}.${signature}`, NOW)).toEqual({ ok: false, problem: 'forged' });
    expect(readLinkToken('another-secret-of-the-same-length', token, NOW)).toEqual({ ok: false, problem: 'forged' });
    for (const bad of ['', 'a.b', 'a.1.', '../x.1.y', 42, null, `${'a'.repeat(300)}.1.x`]) {
      expect(readLinkToken(SECRET, bad, NOW)).toEqual({ ok: false, problem: 'forged' });
    }
    // The signature is what says "expired": an expired genuine token is told apart from a forged one.
    expect(readLinkToken(SECRET, token, NOW)).toEqual({ ok: false, problem: 'expired' });
  });
});

describe('verification codes', () => {
  it('are six digits, and match only their own verification', () => {
    const code = newCode();
    expect(code).toMatch(/^\d{6}$/);
    const stored = codeHash(SECRET, 'v1', code);
    expect(codeMatches(SECRET, 'v1', code, stored)).toBe(true);
    expect(codeMatches(SECRET, 'v1', ` ${code} `, stored)).toBe(true);
    expect(codeMatches(SECRET, 'v2', code, stored)).toBe(false);
    expect(codeMatches(SECRET, 'v1', String((Number(code) + 1) % 1_000_000).padStart(6, '0'), stored)).toBe(false);
    expect(codeMatches(SECRET, 'v1', 123456, stored)).toBe(false);
    expect(codeMatches(SECRET, 'v1', '12345', stored)).toBe(false);
  });

  it('lock after the allowed wrong attempts, even for the right code, and expire', () => {
    const base = { maxAttempts: 3, expiresAtMs: NOW + 1000, now: NOW };
    expect(judgeCode({ ...base, matches: true, attempts: 2 })).toBe('confirmed');
    expect(judgeCode({ ...base, matches: false, attempts: 2 })).toBe('wrong');
    expect(judgeCode({ ...base, matches: true, attempts: 3 })).toBe('locked');
    expect(judgeCode({ ...base, matches: true, attempts: 0, now: NOW + 1000 })).toBe('expired');
  });

  it('use a link for email and a code for SMS', () => {
    expect([methodFor('email'), methodFor('sms')]).toEqual(['link', 'code']);
  });
});
