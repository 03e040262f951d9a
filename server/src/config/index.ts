import { validatePluginConfig } from './validate';

/**
 * Defaults come from the environment, so a site can configure secrets without code; anything set
 * in `config/plugins.ts` wins. See the README for each variable.
 */
const env = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

export default {
  default: () => ({
    publicUrl: env('DELIVERABILITY_PUBLIC_URL'),
    sending: {
      twilio: { accountSid: env('DELIVERABILITY_TWILIO_ACCOUNT_SID'), from: env('DELIVERABILITY_TWILIO_FROM') },
      vonage: {
        apiKey: env('DELIVERABILITY_VONAGE_API_KEY'),
        apiSecret: env('DELIVERABILITY_VONAGE_API_SECRET'),
        from: env('DELIVERABILITY_VONAGE_FROM'),
      },
    },
    erasure: { salt: env('DELIVERABILITY_ERASURE_SALT') },
    unsubscribe: {
      secret: env('DELIVERABILITY_UNSUBSCRIBE_SECRET'),
      previousSecrets: env('DELIVERABILITY_UNSUBSCRIBE_PREVIOUS_SECRETS'),
      mailto: env('DELIVERABILITY_UNSUBSCRIBE_MAILTO'),
    },
    // Provider API credentials for reading and lifting their suppression lists (config/sync.ts).
    sync: {
      sendgrid: { apiKey: env('DELIVERABILITY_SENDGRID_API_KEY'), baseUrl: env('DELIVERABILITY_SENDGRID_BASE_URL') },
      mailgun: { apiKey: env('DELIVERABILITY_MAILGUN_API_KEY'), domain: env('DELIVERABILITY_MAILGUN_DOMAIN'), baseUrl: env('DELIVERABILITY_MAILGUN_BASE_URL') },
      postmark: { serverToken: env('DELIVERABILITY_POSTMARK_SERVER_TOKEN'), streams: env('DELIVERABILITY_POSTMARK_STREAMS') },
      ses: {
        accessKeyId: env('DELIVERABILITY_SES_ACCESS_KEY_ID'),
        secretAccessKey: env('DELIVERABILITY_SES_SECRET_ACCESS_KEY'),
        sessionToken: env('DELIVERABILITY_SES_SESSION_TOKEN'),
        region: env('DELIVERABILITY_SES_REGION'),
      },
    },
    providers: {
      sendgrid: { publicKey: env('DELIVERABILITY_SENDGRID_PUBLIC_KEY') },
      mailgun: { signingKey: env('DELIVERABILITY_MAILGUN_SIGNING_KEY') },
      postmark: { user: env('DELIVERABILITY_POSTMARK_WEBHOOK_USER'), password: env('DELIVERABILITY_POSTMARK_WEBHOOK_PASSWORD') },
      ses: { topicArns: env('DELIVERABILITY_SES_TOPIC_ARNS') },
      twilio: { authToken: env('DELIVERABILITY_TWILIO_AUTH_TOKEN') },
      vonage: {
        signatureSecret: env('DELIVERABILITY_VONAGE_SIGNATURE_SECRET'),
        signatureMethod: env('DELIVERABILITY_VONAGE_SIGNATURE_METHOD'),
      },
    },
  }),
  validator(config: unknown): void {
    validatePluginConfig(config);
  },
};
