import type { WebhookProvider } from '../types';
import { parsePostmark } from './parse';
import { verifyPostmark } from './verify';

export const postmarkProvider: WebhookProvider = {
  name: 'postmark',
  channel: 'email',
  isConfigured: (settings) => Boolean(settings.postmark.user && settings.postmark.password),
  verify: verifyPostmark,
  parse: parsePostmark,
};
