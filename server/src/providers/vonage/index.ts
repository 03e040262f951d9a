import type { WebhookProvider } from '../types';
import { parseVonage } from './parse';
import { verifyVonage } from './verify';

export const vonageProvider: WebhookProvider = {
  name: 'vonage',
  channel: 'sms',
  // A delivery receipt is a dozen short parameters.
  maxBodyBytes: 64 * 1024,
  isConfigured: (settings) => Boolean(settings.vonage.signatureSecret),
  verify: verifyVonage,
  parse: parseVonage,
};
