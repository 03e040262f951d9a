import { isJsonObject } from '../shared';
import type { CorrelationFields, EmailProviderSend } from '../types';
import { ATTEMPT_VARIABLE, CORRELATION_VARIABLE, stripAngleBrackets } from './parse';

/**
 * Mailgun user variables come back in every event's `user-variables`: `v:` fields on the API,
 * the X-Mailgun-Variables header (a JSON object) on the SMTP relay. The API takes headers as
 * `h:` fields, so the plugin's Message-ID goes there (it comes back as `message-id`).
 */
export const mailgunSend: EmailProviderSend = {
  correlationFields({ logDocumentId, attempt, path }): CorrelationFields {
    const variables = { [CORRELATION_VARIABLE]: logDocumentId, [ATTEMPT_VARIABLE]: String(attempt) };
    if (path === 'smtp') return { headers: { 'X-Mailgun-Variables': { prepared: true, value: JSON.stringify(variables) } }, fields: {} };
    return { headers: {}, fields: Object.fromEntries(Object.entries(variables).map(([key, value]) => [`v:${key}`, value])) };
  },
  apiHeaders(headers) {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [`h:${name}`, value]));
  },
  sentMessageId(result) {
    // The API answers `{ id: '<…@domain>', message: 'Queued. Thank you.' }`; events give the id without brackets.
    return isJsonObject(result) && typeof result.id === 'string' ? stripAngleBrackets(result.id) : null;
  },
};
