import { isJsonObject } from '../shared';
import type { CorrelationFields, EmailProviderSend } from '../types';
import { ATTEMPT_METADATA, CORRELATION_METADATA } from './parse';

/**
 * Postmark Metadata comes back in bounce, delivery and complaint webhooks: `Metadata` on the API,
 * one `X-PM-Metadata-<key>` header per key on the SMTP relay. Postmark's reports do not carry
 * our Message-ID: the fallback is its own `MessageID`, recorded at send when the provider says it.
 */
export const postmarkSend: EmailProviderSend = {
  correlationFields({ logDocumentId, attempt, path }): CorrelationFields {
    const metadata = { [CORRELATION_METADATA]: logDocumentId, [ATTEMPT_METADATA]: String(attempt) };
    if (path === 'smtp') {
      return { headers: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [`X-PM-Metadata-${key}`, value])), fields: {} };
    }
    return { headers: {}, fields: { Metadata: metadata } };
  },
  sentMessageId(result) {
    return isJsonObject(result) && typeof result.MessageID === 'string' && result.MessageID !== '' ? result.MessageID : null;
  },
};
