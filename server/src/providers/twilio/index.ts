import type { WebhookProvider } from '../types';
import { parseTwilio } from './parse';
import { verifyTwilio } from './verify';

export const twilioProvider: WebhookProvider = {
  name: 'twilio',
  channel: 'sms',
  isConfigured: (settings) => Boolean(settings.twilio.authToken),
  verify: verifyTwilio,
  parse: parseTwilio,
};
