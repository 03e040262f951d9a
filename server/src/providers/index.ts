import { mailgunProvider } from './mailgun';
import { postmarkProvider } from './postmark';
import { sendgridProvider } from './sendgrid';
import { sesProvider } from './ses';
import { finishParseResult } from './shared';
import { twilioProvider } from './twilio';
import type { WebhookProvider, WebhookProviderName } from './types';
import { vonageProvider } from './vonage';

/** A provider whose parse results all go through the same finishing step (see `finishParseResult`). */
function finished(provider: WebhookProvider): WebhookProvider {
  return { ...provider, parse: (req, ctx) => finishParseResult(provider.parse(req, ctx)) };
}

/** Every webhook provider module, by name. */
export const webhookProviders: Record<WebhookProviderName, WebhookProvider> = {
  sendgrid: finished(sendgridProvider),
  mailgun: finished(mailgunProvider),
  postmark: finished(postmarkProvider),
  ses: finished(sesProvider),
  twilio: finished(twilioProvider),
  vonage: finished(vonageProvider),
};

export { mailgunProvider, postmarkProvider, sendgridProvider, sesProvider, twilioProvider, vonageProvider };
export { MalformedPayloadError, UpstreamUnavailableError, emptyProviderSettings } from './shared';
export { DEFAULT_TWILIO_ERROR_CODES } from './twilio/error-codes';
export { DEFAULT_VONAGE_ERROR_CODES } from './vonage/error-codes';
export * from './types';
