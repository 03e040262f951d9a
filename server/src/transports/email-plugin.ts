/**
 * Email through Strapi's own Email plugin, whatever provider the site configured there. The
 * plugin adds its correlation id twice: as the Message-ID header (kept by every SMTP relay, read
 * back by every parser), and in the provider's own custom data, in the form its API or its SMTP
 * relay echoes back (each provider's `send.ts`), so that webhook events find the log.
 */
import type { Core } from '@strapi/strapi';
import type { EmailProviderName, SendingConfig } from '../config/types';
import { isEmailContent } from '../core/message-input';
import { classifySmtpFailure, unconfirmedHandOff, type SmtpErrorLike } from '../core/send-failure';
import { mailgunSend } from '../providers/mailgun/send';
import { postmarkSend } from '../providers/postmark/send';
import { sesSend } from '../providers/ses/send';
import { sendgridSend } from '../providers/sendgrid/send';
import { pluginMessageId } from '../providers/shared';
import type { EmailPath, EmailProviderSend } from '../providers/types';
import type { OutgoingMessage, SendOutcome, Transport } from './types';

const PROVIDER_SEND: Partial<Record<EmailProviderName, EmailProviderSend>> = {
  sendgrid: sendgridSend,
  mailgun: mailgunSend,
  postmark: postmarkSend,
  ses: sesSend,
};

export function messageIdFor(message: OutgoingMessage, domain: string): string {
  return pluginMessageId(message.logDocumentId, message.attempt, domain);
}

/**
 * The configured path, or, when none is, the one the Email plugin's provider takes: nodemailer
 * (however the site named its package) speaks SMTP, every other provider an HTTP API.
 */
export function emailPathOf(emailProvider: EmailProviderName, configured: EmailPath | null, emailPluginProvider: unknown): EmailPath {
  // A plain SMTP server has no API; the path only decides how the Message-ID is handed over.
  if (emailProvider === 'smtp') return 'smtp';
  if (configured) return configured;
  return typeof emailPluginProvider === 'string' && emailPluginProvider.includes('nodemailer') ? 'smtp' : 'api';
}

interface EmailService {
  send(options: Record<string, unknown>): Promise<unknown>;
}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`No answer from the email provider within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function apiHeaders(provider: EmailProviderSend | undefined, headers: Record<string, string>): Record<string, unknown> {
  return provider?.apiHeaders ? provider.apiHeaders(headers) : { headers };
}

type EmailSettings = Pick<SendingConfig, 'emailProvider' | 'emailPath' | 'sesConfigurationSet' | 'messageIdDomain' | 'timeoutMs'>;

export function createEmailPluginTransport(strapi: Core.Strapi, settings: () => EmailSettings): Transport {
  let warnedOfLostHeaders = false;
  /** Once a process: the site's provider path cannot carry the headers a message needs (List-Unsubscribe). */
  const warnIfHeadersLost = (message: OutgoingMessage, path: EmailPath, provider: EmailProviderSend | undefined, name: string): void => {
    if (warnedOfLostHeaders || path !== 'api' || !provider?.apiDropsHeaders || !message.headers) return;
    warnedOfLostHeaders = true;
    strapi.log.warn(`[deliverability] ${name} through its API cannot carry ${Object.keys(message.headers).join(', ')}: send through its SMTP relay (sending.emailPath: 'smtp') so bulk email offers one-click unsubscribe.`);
  };
  return {
    provider: settings().emailProvider,
    channel: 'email',
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      const { emailProvider, emailPath, sesConfigurationSet, messageIdDomain, timeoutMs } = settings();
      if (!isEmailContent(message.content)) throw new Error('An email needs a subject and a body');
      const email = strapi.plugin('email')?.service('email') as EmailService | undefined;
      if (!email) {
        return {
          ok: false,
          provider: emailProvider,
          failure: { kind: 'failed', severity: 'permanent', code: null, text: 'Configuration error: the Email plugin is not available.' },
        };
      }
      const messageId = messageIdFor(message, messageIdDomain);
      const path = emailPathOf(emailProvider, emailPath, strapi.config.get('plugin::email.provider'));
      const provider = PROVIDER_SEND[emailProvider];
      warnIfHeadersLost(message, path, provider, emailProvider);
      const correlation = provider?.correlationFields({
        logDocumentId: message.logDocumentId,
        attempt: message.attempt,
        path,
        sesConfigurationSet,
      }) ?? { headers: {}, fields: {} };
      try {
        const result = await timeout(
          email.send({
            to: message.to,
            subject: message.content.subject,
            text: message.content.text ?? undefined,
            html: message.content.html ?? undefined,
            // nodemailer takes `messageId`; API providers take the header (nodemailer would write it twice).
            messageId,
            ...(path === 'smtp'
              ? { headers: { ...message.headers, 'X-Deliverability-Id': message.correlationId, ...correlation.headers } }
              : apiHeaders(provider, { ...message.headers, 'Message-ID': messageId, 'X-Deliverability-Id': message.correlationId })),
            ...correlation.fields,
          }),
          timeoutMs,
        );
        // The provider's own id when its Strapi provider says it (a report may carry only that); else ours.
        return { ok: true, provider: emailProvider, providerMessageId: provider?.sentMessageId(result) ?? messageId };
      } catch (error) {
        const unconfirmed = unconfirmedHandOff(error);
        if (unconfirmed) return { ok: false, provider: emailProvider, unconfirmed };
        return { ok: false, provider: emailProvider, failure: classifySmtpFailure(error as SmtpErrorLike) };
      }
    },
  };
}
