import { makeEvent } from '../../../tests/fixtures/events';
import type { EventKind } from './events';
import { mailboxProviderOf, senderBlockRule, withSenderBlocks } from './sender-blocks';

const refusal = (kind: EventKind, rawCode: string | null, rawText: string | null) => makeEvent({ kind, rawCode, rawText, severity: 'permanent' });

describe('the sender-block table', () => {
  // Real replies, as receivers word them; the rule each must meet.
  const blocks: [string, EventKind, string | null, string, string][] = [
    ['Microsoft banned IP', 'hard_bounce', '5.7.606', '550 5.7.606 Access denied, banned sending IP [198.51.100.10]', 'microsoft-banned-ip'],
    ['Microsoft banned IP (top of range)', 'hard_bounce', null, '550 5.7.649 Access denied, banned sending IP', 'microsoft-banned-ip'],
    ['Microsoft 5.7.708', 'hard_bounce', '5.7.708', '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.', 'microsoft-ip-not-accepted'],
    ['Microsoft 5.7.750', 'hard_bounce', null, '550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains', 'microsoft-ip-not-accepted'],
    ['Gmail DMARC', 'hard_bounce', '5.7.26', "550-5.7.26 Unauthenticated email from example.ac.uk is not accepted due to domain's DMARC policy", 'authentication'],
    ['Gmail unsolicited', 'hard_bounce', '5.7.1', '550-5.7.1 Our system has detected that this message is likely unsolicited mail', 'policy-refusal'],
    ['5.7.1 security policy', 'failed', '550 5.7.1', 'This email was rejected because it violates our security policy', 'policy-refusal'],
    ['Spamhaus via 5.7.1', 'hard_bounce', '5.7.1', '554 5.7.1 Service unavailable; Client host [198.51.100.10] blocked using zen.spamhaus.org', 'policy-refusal'],
    ['Spamhaus, no enhanced code', 'hard_bounce', '554', '554 Service unavailable; Client host [198.51.100.10] blocked using zen.spamhaus.org', 'block-list'],
    ['Yahoo deferral for complaints', 'soft_bounce', '4.7.0', '421 4.7.0 [TSS04] Messages temporarily deferred due to unexpected volume or user complaints', 'policy-refusal'],
    ['Gmail rate', 'soft_bounce', '4.7.28', '421-4.7.28 unusual rate of unsolicited mail originating from your DKIM domain', 'gmail-rate-or-spam'],
  ];

  it.each(blocks)('%s is a block of the sender', (_name, kind, code, text, rule) => {
    expect(senderBlockRule(refusal(kind, code, text))?.id).toBe(rule);
    expect(withSenderBlocks(refusal(kind, code, text))).toMatchObject({ kind: 'sender_block', severity: 'transient', rawCode: code, rawText: text });
  });

  const mailboxes: [string, EventKind, string | null, string][] = [
    ['no such user', 'hard_bounce', '5.1.1', '550 5.1.1 The email account that you tried to reach does not exist.'],
    ['mailbox full', 'soft_bounce', '4.2.2', '452 4.2.2 Mailbox full'],
    ['mailbox disabled', 'hard_bounce', '5.2.1', '550 5.2.1 The email account that you tried to reach is disabled.'],
    ['5.7.1 without a policy word', 'hard_bounce', '5.7.1', '550 5.7.1 Mailbox unavailable'],
    ['greylisting', 'soft_bounce', '4.7.0', '421 4.7.0 Try again later'],
    // The number 5.7.606 inside another figure is not a code.
    ['a look-alike inside a longer number', 'hard_bounce', null, '550 5.1.1 user unknown (id 15.7.6060)'],
  ];

  it.each(mailboxes)('%s stays as the provider said', (_name, kind, code, text) => {
    expect(senderBlockRule(refusal(kind, code, text))).toBeNull();
    expect(withSenderBlocks(refusal(kind, code, text)).kind).toBe(kind);
  });

  it('reads only email refusals: an SMS failure, a delivery or a complaint is left alone', () => {
    const text = '550 5.7.1 blocked using zen.spamhaus.org';
    expect(withSenderBlocks(makeEvent({ kind: 'failed', channel: 'sms', rawText: text })).kind).toBe('failed');
    expect(withSenderBlocks(makeEvent({ kind: 'delivered', rawText: text })).kind).toBe('delivered');
    expect(withSenderBlocks(makeEvent({ kind: 'complaint', rawText: text })).kind).toBe('complaint');
  });
});

describe('mailbox providers', () => {
  it.each([
    ['ana@gmail.com', 'Google'],
    ['ana@googlemail.com', 'Google'],
    ['ana@outlook.com', 'Microsoft'],
    ['ana@hotmail.co.uk', 'Microsoft'],
    ['ana@live.fr', 'Microsoft'],
    ['ana@yahoo.co.uk', 'Yahoo'],
    ['ana@aol.com', 'Yahoo'],
    ['ana@icloud.com', 'Apple'],
    ['ana@Student.College.ac.uk', 'student.college.ac.uk'],
    ['ana@outlook.college.ac.uk', 'outlook.college.ac.uk'],
  ])('%s is at %s', (address, provider) => {
    expect(mailboxProviderOf(address)).toBe(provider);
  });
});
