/**
 * The deliverability plugin, from this repository (through the workspace link), with its
 * secrets filled from the environment as the README describes. `scripts/demo.js` writes
 * playground/.env with test-only values so that the sandbox transport can sign its reports.
 */
export default ({ env }) => ({
  deliverability: {
    enabled: true,
    config: {
      publicUrl: env('DELIVERABILITY_PUBLIC_URL', `http://localhost:${env('PORT', '1337')}`),
      providers: {
        sendgrid: { publicKey: env('DELIVERABILITY_SENDGRID_PUBLIC_KEY') },
        mailgun: { signingKey: env('DELIVERABILITY_MAILGUN_SIGNING_KEY') },
        postmark: {
          user: env('DELIVERABILITY_POSTMARK_WEBHOOK_USER'),
          password: env('DELIVERABILITY_POSTMARK_WEBHOOK_PASSWORD'),
        },
        ses: { topicArns: env('DELIVERABILITY_SES_TOPIC_ARNS') },
        twilio: { authToken: env('DELIVERABILITY_TWILIO_AUTH_TOKEN') },
        vonage: {
          signatureSecret: env('DELIVERABILITY_VONAGE_SIGNATURE_SECRET'),
          signatureMethod: env('DELIVERABILITY_VONAGE_SIGNATURE_METHOD'),
        },
      },
    },
  },
});
