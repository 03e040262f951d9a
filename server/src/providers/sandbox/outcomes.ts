/**
 * The sandbox decides each message's fate from its address, so a demo or a test can show every
 * behaviour of the plugin without a provider account. The table is documented in the README.
 */
import type { SendFailure } from '../../core/send-failure';
import type { SimulatedEmailEvent } from '../sendgrid/simulate';
import type { SimulatedSmsStatus } from '../twilio/simulate';

export type EmailReport = { kind: SimulatedEmailEvent['kind']; response?: string };
export type SmsReport = { status: SimulatedSmsStatus['status']; errorCode?: string };

export type SandboxPlan<R> = { accept: false; failure: SendFailure } | { accept: true; reports: R[] };

/** Numbers starting with this prefix fail with the Twilio code that ends them: +4470099 30005. */
export const SANDBOX_SMS_FAILURE_PREFIX = '+4470099';
/** Twilio codes that the sandbox treats as transient: they fail twice, then the message goes through. */
const TRANSIENT_SMS_CODES = new Set(['30003', '30008']);

export function planEmail(address: string, attempt: number): SandboxPlan<EmailReport> {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  switch (domain) {
    case 'bounce.test':
      return { accept: true, reports: [{ kind: 'processed' }, { kind: 'bounce', response: '550 5.1.1 The email account that you tried to reach does not exist.' }] };
    case 'full.test':
      return attempt <= 2
        ? { accept: true, reports: [{ kind: 'processed' }, { kind: 'blocked', response: '452 4.2.2 The recipient mailbox is full.' }] }
        : { accept: true, reports: [{ kind: 'processed' }, { kind: 'delivered' }] };
    case 'defer.test':
      return { accept: true, reports: [{ kind: 'processed' }, { kind: 'deferred', response: '421 4.7.0 Try again later (greylisted).' }, { kind: 'delivered' }] };
    case 'complain.test':
      return { accept: true, reports: [{ kind: 'processed' }, { kind: 'delivered' }, { kind: 'spamreport' }] };
    case 'unsubscribe.test':
      return { accept: true, reports: [{ kind: 'processed' }, { kind: 'delivered' }, { kind: 'unsubscribe' }] };
    case 'reject.test':
      return { accept: false, failure: { kind: 'hard_bounce', severity: 'permanent', code: '550 5.1.1', text: '550 5.1.1 Recipient address rejected: user unknown' } };
    case 'offline.test':
      return attempt <= 2
        ? { accept: false, failure: { kind: 'soft_bounce', severity: 'transient', code: '451 4.4.1', text: '451 4.4.1 The receiving server is not answering; try again later.' } }
        : { accept: true, reports: [{ kind: 'processed' }, { kind: 'delivered' }] };
    default:
      return { accept: true, reports: [{ kind: 'processed' }, { kind: 'delivered' }] };
  }
}

export function planSms(number: string, attempt: number): SandboxPlan<SmsReport> {
  if (number.startsWith(SANDBOX_SMS_FAILURE_PREFIX) && number.length === SANDBOX_SMS_FAILURE_PREFIX.length + 5) {
    const code = number.slice(-5);
    if (TRANSIENT_SMS_CODES.has(code) && attempt > 2) return { accept: true, reports: [{ status: 'sent' }, { status: 'delivered' }] };
    return { accept: true, reports: [{ status: 'sent' }, { status: 'undelivered', errorCode: code }] };
  }
  return { accept: true, reports: [{ status: 'sent' }, { status: 'delivered' }] };
}
