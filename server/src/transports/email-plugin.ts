/**
 * Email through Strapi's own Email plugin, whatever provider the site configured there. The
 * plugin adds its correlation id twice: as the Message-ID header (every provider keeps it), and
 * in the provider's own custom-argument field where it has one, so that webhook events find the log.
 */
import type { Core } from '@strapi/strapi';
import type { EmailProviderName } from '../config/types';
import { isEmailContent } from '../core/message-input';
import { classifySmtpFailure, unconfirmedHandOff, type SmtpErrorLike } from '../core/send-failure';
import { mailgunCorrelationFields } from '../providers/mailgun/send';
import { postmarkCorrelationFields } from '../providers/postmark/send';
import { sendgridCorrelationFields } from '../providers/sendgrid/send';
import type { OutgoingMessage, SendOutcome, Transport } from './types';

const CORRELATION_FIELDS: Partial<Record<EmailProviderName, (id: string, attempt: number) => Record<string, unknown>>> = {
  sendgrid: sendgridCorrelationFields,
  mailgun: mailgunCorrelationFields,
  postmark: postmarkCorrelationFields,
};

export function messageIdFor(message: OutgoingMessage, domain: string): string {
  return `<dlv.${message.logDocumentId}.${message.attempt}@${domain}>`;
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

export function createEmailPluginTransport(
  strapi: Core.Strapi,
  settings: () => { emailProvider: EmailProviderName; messageIdDomain: string; timeoutMs: number },
): Transport {
  return {
    provider: settings().emailProvider,
    channel: 'email',
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      const { emailProvider, messageIdDomain, timeoutMs } = settings();
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
      try {
        await timeout(
          email.send({
            to: message.to,
            subject: message.content.subject,
            text: message.content.text ?? undefined,
            html: message.content.html ?? undefined,
            // nodemailer takes `messageId`; API providers take the header (nodemailer would write it twice).
            messageId,
            headers: emailProvider === 'smtp' ? { 'X-Deliverability-Id': message.correlationId } : { 'Message-ID': messageId, 'X-Deliverability-Id': message.correlationId },
            ...(CORRELATION_FIELDS[emailProvider]?.(message.logDocumentId, message.attempt) ?? {}),
          }),
          timeoutMs,
        );
        return { ok: true, provider: emailProvider, providerMessageId: messageId };
      } catch (error) {
        const unconfirmed = unconfirmedHandOff(error);
        if (unconfirmed) return { ok: false, provider: emailProvider, unconfirmed };
        return { ok: false, provider: emailProvider, failure: classifySmtpFailure(error as SmtpErrorLike) };
      }
    },
  };
}
