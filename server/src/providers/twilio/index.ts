import type { WebhookProvider } from '../types';
import { parseTwilio } from './parse';
import { verifyTwilio } from './verify';

export const twilioProvider: WebhookProvider = {
  name: 'twilio',
  channel: 'sms',
  // A status callback is a form of about twenty short fields (under 2 KB); parsing a 4 MB form
  // twice (signature, then fields) took a second.
  maxBodyBytes: 64 * 1024,
  isConfigured: (settings) => Boolean(settings.twilio.authToken),
  verify: verifyTwilio,
  parse: parseTwilio,
};
