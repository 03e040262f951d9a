import type { WebhookProvider } from '../types';
import { parseSes } from './parse';
import { verifySes } from './verify';

export const sesProvider: WebhookProvider = {
  name: 'ses',
  channel: 'email',
  isConfigured: (settings) => Array.isArray(settings.ses.topicArns) && settings.ses.topicArns.length > 0,
  verify: verifySes,
  parse: parseSes,
};
