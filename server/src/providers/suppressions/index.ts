import type { SyncConfig } from '../../config/sync';
import { mailgunSuppressions } from '../mailgun/suppressions';
import { postmarkSuppressions } from '../postmark/suppressions';
import { sendgridSuppressions } from '../sendgrid/suppressions';
import { sesSuppressions } from '../ses/suppressions';
import type { SuppressionListClient } from './types';

/**
 * The list clients of the providers whose API credentials are configured. Twilio has none: its API
 * lists no opted-out numbers for a plain account (an opt-out is learnt from error 21610 on a send,
 * or from the inbound STOP), and only the student can lift one, by texting START.
 */
export function suppressionClients(sync: SyncConfig, timeoutMs: number): SuppressionListClient[] {
  const options = {
    timeoutMs,
    maxRateLimitRetries: sync.maxRateLimitRetries,
    maxRetryAfterSeconds: sync.maxRetryAfterSeconds,
    pageSize: sync.pageSize,
  };
  const clients: SuppressionListClient[] = [];
  if (sync.sendgrid) clients.push(sendgridSuppressions(sync.sendgrid, options));
  if (sync.mailgun) clients.push(mailgunSuppressions(sync.mailgun, options));
  if (sync.postmark) clients.push(postmarkSuppressions(sync.postmark, options));
  if (sync.ses) clients.push(sesSuppressions(sync.ses, options));
  return clients;
}

export * from './types';
export { ProviderApiError } from './http';
