import { isJsonObject } from '../shared';
import type { CorrelationFields, EmailProviderSend } from '../types';
import { ATTEMPT_TAG, CORRELATION_TAG } from './parse';

/**
 * Amazon SES returns message tags in its notifications only for mail sent through a configuration
 * set. On the SMTP relay both travel as headers (X-SES-MESSAGE-TAGS, X-SES-CONFIGURATION-SET);
 * Strapi's SES provider takes `messageTags` and `configurationSet`. The relay keeps our Message-ID
 * (`mail.commonHeaders.messageId`); the API's SendEmail cannot set it, so there tags are the link.
 */
export const sesSend: EmailProviderSend = {
  // Strapi's SES provider calls SendEmail, which takes no headers (only SendRawEmail does): List-Unsubscribe needs the SMTP relay.
  apiDropsHeaders: true,
  correlationFields({ logDocumentId, attempt, path, sesConfigurationSet }): CorrelationFields {
    const tags = [
      [CORRELATION_TAG, logDocumentId],
      [ATTEMPT_TAG, String(attempt)],
    ];
    if (path === 'smtp') {
      const headers: Record<string, string> = { 'X-SES-MESSAGE-TAGS': tags.map(([name, value]) => `${name}=${value}`).join(', ') };
      if (sesConfigurationSet) headers['X-SES-CONFIGURATION-SET'] = sesConfigurationSet;
      return { headers, fields: {} };
    }
    return {
      headers: {},
      fields: { messageTags: tags.map(([name, value]) => ({ name, value })), ...(sesConfigurationSet ? { configurationSet: sesConfigurationSet } : {}) },
    };
  },
  sentMessageId(result) {
    // The AWS SDK answers `{ MessageId }` (Strapi's provider 5.52 resolves with nothing); the relay `250 Ok <MessageId>`.
    if (!isJsonObject(result)) return null;
    if (typeof result.MessageId === 'string' && result.MessageId !== '') return result.MessageId;
    const relayed = typeof result.response === 'string' ? /^250 Ok ([0-9a-f-]{20,})$/i.exec(result.response.trim()) : null;
    return relayed ? relayed[1] : null;
  },
};
