/**
 * The sandbox transport: accepts or refuses like a provider, then reports what happened through
 * the plugin's real webhook endpoints, signed as SendGrid (email) and Twilio (SMS) would sign them.
 * Needs no account: the playground generates the test keys into playground/.env.
 */
import { randomUUID } from 'crypto';
import type { Core } from '@strapi/strapi';
import { isEmailContent } from '../core/message-input';
import { planEmail, planSms } from '../providers/sandbox/outcomes';
import { sendgridEventBody, signSendgridBody } from '../providers/sendgrid/simulate';
import { twilioStatusRequest } from '../providers/twilio/simulate';
import { webhookPath } from '../utils/webhook-path';
import type { OutgoingMessage, SendOutcome, Transport } from './types';

export interface SandboxSettings {
  /** Where to post reports: the site's public URL. */
  reportUrl: string;
  /** Base64 DER (PKCS#8) or PEM P-256 key whose public half is the SendGrid public key in the config. */
  sendgridPrivateKey: string | null;
  twilioAuthToken: string | null;
  /** Delay between a send and each report, so that editors can watch statuses change. */
  reportDelayMs: number;
}

export interface SandboxTransport extends Transport {
  /** Every message handed to the sandbox, in order (for tests and the demo). */
  readonly received: OutgoingMessage[];
  /** Resolves when every scheduled report has been posted. */
  flush(): Promise<void>;
  stop(): void;
}

export function createSandboxTransport(strapi: Core.Strapi, channel: 'email' | 'sms', settings: () => SandboxSettings): SandboxTransport {
  const received: OutgoingMessage[] = [];
  const pending = new Set<Promise<void>>();
  // Scheduled reports not yet started: stopping cancels them and releases whoever waits in flush().
  const scheduled = new Map<NodeJS.Timeout, () => void>();
  let stopped = false;

  const later = (delay: number, work: () => Promise<void>): void => {
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        scheduled.delete(timer);
        work()
          .catch((error: Error) => strapi.log.warn(`[deliverability] sandbox report failed: ${error.message}`))
          .finally(resolve);
      }, delay);
      scheduled.set(timer, resolve);
    });
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };

  const post = async (path: string, body: string, headers: Record<string, string>): Promise<void> => {
    if (stopped) return;
    const response = await fetch(`${settings().reportUrl}${path}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  };

  return {
    provider: 'sandbox',
    channel,
    received,
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      received.push(message);
      const config = settings();
      const providerMessageId = `sbx-${randomUUID()}`;
      if (channel === 'email' && isEmailContent(message.content)) {
        const plan = planEmail(message.to, message.attempt);
        if (!plan.accept) return { ok: false, provider: 'sandbox', failure: plan.failure };
        if (!config.sendgridPrivateKey) {
          strapi.log.warn('[deliverability] sandbox: no SendGrid test key configured, so no delivery reports will follow.');
        } else {
          plan.reports.forEach((report, index) => {
            later(config.reportDelayMs * (index + 1), async () => {
              const at = Date.now();
              const body = sendgridEventBody([{ ...report, email: message.to, messageId: providerMessageId, logDocumentId: message.logDocumentId, attempt: message.attempt, at }]);
              await post(webhookPath(strapi, 'sendgrid'), body, signSendgridBody(body, config.sendgridPrivateKey!, at));
            });
          });
        }
        return { ok: true, provider: 'sandbox', providerMessageId };
      }
      const plan = planSms(message.to, message.attempt);
      if (!plan.accept) return { ok: false, provider: 'sandbox', failure: plan.failure };
      const token = config.twilioAuthToken;
      if (!token) {
        strapi.log.warn('[deliverability] sandbox: no Twilio auth token configured, so no delivery reports will follow.');
      } else {
        const path = `${webhookPath(strapi, 'twilio')}?dlv=${encodeURIComponent(message.correlationId)}`;
        const url = `${config.reportUrl}${path}`;
        plan.reports.forEach((report, index) => {
          later(config.reportDelayMs * (index + 1), async () => {
            const request = twilioStatusRequest({ messageSid: providerMessageId, to: message.to, ...report }, url, token);
            await post(path, request.body, request.headers);
          });
        });
      }
      return { ok: true, provider: 'sandbox', providerMessageId };
    },
    async flush(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    stop(): void {
      stopped = true;
      for (const [timer, release] of scheduled) {
        clearTimeout(timer);
        release();
      }
      scheduled.clear();
    },
  };
}
