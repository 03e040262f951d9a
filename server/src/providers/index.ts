import { mailgunProvider } from './mailgun';
import { postmarkProvider } from './postmark';
import { sendgridProvider } from './sendgrid';
import { sesProvider } from './ses';
import { twilioProvider } from './twilio';
import type { WebhookProvider, WebhookProviderName } from './types';
import { vonageProvider } from './vonage';

/** Every webhook provider module, by name. */
export const webhookProviders: Record<WebhookProviderName, WebhookProvider> = {
  sendgrid: sendgridProvider,
  mailgun: mailgunProvider,
  postmark: postmarkProvider,
  ses: sesProvider,
  twilio: twilioProvider,
  vonage: vonageProvider,
};

export { mailgunProvider, postmarkProvider, sendgridProvider, sesProvider, twilioProvider, vonageProvider };
export { MalformedPayloadError, UpstreamUnavailableError, emptyProviderSettings } from './shared';
export { DEFAULT_TWILIO_ERROR_CODES } from './twilio/error-codes';
export { DEFAULT_VONAGE_ERROR_CODES } from './vonage/error-codes';
export * from './types';
