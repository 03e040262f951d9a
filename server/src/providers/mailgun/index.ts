import type { WebhookProvider } from '../types';
import { parseMailgun } from './parse';
import { verifyMailgun } from './verify';

export const mailgunProvider: WebhookProvider = {
  name: 'mailgun',
  channel: 'email',
  isConfigured: (settings) => Boolean(settings.mailgun.signingKey),
  verify: verifyMailgun,
  parse: parseMailgun,
};
