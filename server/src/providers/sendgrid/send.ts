import { isJsonObject } from '../shared';
import type { CorrelationFields, EmailProviderSend } from '../types';
import { ATTEMPT_ARG, CORRELATION_ARG } from './parse';

/**
 * What to add to a message sent through SendGrid so its events carry our ids. Both forms come back
 * merged into every event object (values must be strings): `custom_args` from the v3 API, whose
 * Strapi provider passes `customArgs` on; `unique_args` in the X-SMTPAPI header from the SMTP relay,
 * where nodemailer has no such option. The Message-ID comes back as `smtp-id` either way.
 */
export const sendgridSend: EmailProviderSend = {
  correlationFields({ logDocumentId, attempt, path }): CorrelationFields {
    const args = { [CORRELATION_ARG]: logDocumentId, [ATTEMPT_ARG]: String(attempt) };
    return path === 'smtp' ? { headers: { 'X-SMTPAPI': { prepared: true, value: JSON.stringify({ unique_args: args }) } }, fields: {} } : { headers: {}, fields: { customArgs: args } };
  },
  sentMessageId(result) {
    // @sendgrid/mail resolves with [response, body]; the relay answers `250 Ok: queued as <id>`.
    const response: unknown = Array.isArray(result) ? result[0] : result;
    if (!isJsonObject(response)) return null;
    const headers = response.headers;
    if (isJsonObject(headers)) {
      const id = headers['x-message-id'];
      if (typeof id === 'string' && id.trim() !== '') return id.trim();
    }
    const queued = typeof response.response === 'string' ? /queued as ([A-Za-z0-9_-]+)/i.exec(response.response) : null;
    return queued ? queued[1] : null;
  },
};
