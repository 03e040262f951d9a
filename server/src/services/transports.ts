import type { Core } from '@strapi/strapi';
import type { Channel } from '../core/events';
import { isEmailContent } from '../core/message-input';
import { sendTwilioSms } from '../providers/twilio/send';
import { sendVonageSms } from '../providers/vonage/send';
import { createEmailPluginTransport } from '../transports/email-plugin';
import { createSandboxTransport, type SandboxTransport } from '../transports/sandbox';
import type { OutgoingMessage, SendOutcome, Transport } from '../transports/types';
import { getService } from '../utils/plugin';
import { webhookPath } from '../utils/webhook-path';

/** Picks the transport for each channel from the config, and keeps the sandbox instances. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = () => getService(strapi, 'config').get();
  const publicBase = (): string => {
    const c = config();
    return c.publicUrl ?? `http://127.0.0.1:${strapi.config.get('server.port', 1337)}`;
  };
  const sandboxSettings = () => {
    const c = config();
    return {
      reportUrl: c.sending.sandbox.reportUrl ?? publicBase(),
      sendgridPrivateKey: c.sending.sandbox.sendgridPrivateKey ?? null,
      twilioAuthToken: c.providers.twilio.authToken ?? null,
      reportDelayMs: c.sending.sandbox.reportDelayMs,
    };
  };
  const sandboxes: Record<Channel, SandboxTransport> = {
    email: createSandboxTransport(strapi, 'email', sandboxSettings),
    sms: createSandboxTransport(strapi, 'sms', sandboxSettings),
  };

  const twilio: Transport = {
    provider: 'twilio',
    channel: 'sms',
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      const c = config();
      const { accountSid, from, messagingServiceSid, baseUrl } = c.sending.twilio;
      const authToken = c.providers.twilio.authToken;
      if (!accountSid || !authToken || (!from && !messagingServiceSid) || isEmailContent(message.content)) {
        return { ok: false, provider: 'twilio', failure: { kind: 'failed', severity: 'permanent', code: null, text: 'Configuration error: Twilio needs an account SID, an auth token and a sender.' } };
      }
      const result = await sendTwilioSms(
        { accountSid, authToken, from, messagingServiceSid, baseUrl, timeoutMs: c.sending.timeoutMs, errorCodes: c.providers.twilio.errorCodes },
        { to: message.to, body: message.content.body, statusCallback: `${publicBase()}${webhookPath(strapi, 'twilio')}?dlv=${encodeURIComponent(message.correlationId)}` },
      );
      return result.ok ? { ok: true, provider: 'twilio', providerMessageId: result.sid } : { ...result, provider: 'twilio' };
    },
  };

  const vonage: Transport = {
    provider: 'vonage',
    channel: 'sms',
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      const c = config();
      const { apiKey, apiSecret, from, baseUrl } = c.sending.vonage;
      if (!apiKey || !apiSecret || !from || isEmailContent(message.content)) {
        return { ok: false, provider: 'vonage', failure: { kind: 'failed', severity: 'permanent', code: null, text: 'Configuration error: Vonage needs an API key, a secret and a sender.' } };
      }
      const result = await sendVonageSms(
        { apiKey, apiSecret, from, baseUrl, timeoutMs: c.sending.timeoutMs },
        { to: message.to, body: message.content.body, clientRef: message.correlationId, callback: `${publicBase()}${webhookPath(strapi, 'vonage')}` },
      );
      return result.ok ? { ok: true, provider: 'vonage', providerMessageId: result.messageId } : { ...result, provider: 'vonage' };
    },
  };

  const emailPlugin = createEmailPluginTransport(strapi, () => config().sending);

  return {
    for(channel: Channel): Transport {
      const sending = config().sending;
      if (channel === 'email') return sending.email === 'sandbox' ? sandboxes.email : emailPlugin;
      if (sending.sms === 'sandbox') return sandboxes.sms;
      return sending.sms === 'vonage' ? vonage : twilio;
    },
    sandbox(channel: Channel): SandboxTransport {
      return sandboxes[channel];
    },
    stop(): void {
      sandboxes.email.stop();
      sandboxes.sms.stop();
    },
  };
};
