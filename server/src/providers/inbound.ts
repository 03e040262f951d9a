import type { ProviderName } from '../core/events';

/** A text message a student sent to the site's number, as a provider reported it. */
export interface InboundSms {
  provider: Extract<ProviderName, 'twilio' | 'vonage'>;
  /** The student's number, as the provider gave it. */
  from: string;
  /** The site's number it was sent to. */
  to: string | null;
  text: string;
  /** The provider's id for the message: a redelivery has the same. */
  messageId: string;
  /** Epoch milliseconds. */
  receivedAt: number;
}
