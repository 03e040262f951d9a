import type { WebhookProvider } from '../types';
import { parseSendgrid } from './parse';
import { verifySendgrid } from './verify';

export const sendgridProvider: WebhookProvider = {
  name: 'sendgrid',
  channel: 'email',
  isConfigured: (settings) => Boolean(settings.sendgrid.publicKey),
  verify: verifySendgrid,
  parse: parseSendgrid,
};
