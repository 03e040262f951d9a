import type { WebhookProvider } from '../types';
import { parseVonage } from './parse';
import { verifyVonage } from './verify';

export const vonageProvider: WebhookProvider = {
  name: 'vonage',
  channel: 'sms',
  isConfigured: (settings) => Boolean(settings.vonage.signatureSecret),
  verify: verifyVonage,
  parse: parseVonage,
};
