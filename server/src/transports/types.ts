import type { Channel } from '../core/events';
import type { MessageContent } from '../core/message-input';
import type { SendFailure, UnconfirmedHandOff } from '../core/send-failure';

/** One attempt to hand one message to a provider. */
export interface OutgoingMessage {
  channel: Channel;
  /** Normalized address: an email, or an E.164 number. */
  to: string;
  content: MessageContent;
  logDocumentId: string;
  attempt: number;
  /** `<logDocumentId>.<attempt>`: what providers echo back so that their events find the log. */
  correlationId: string;
  /**
   * Headers the message must carry besides the plugin's own (List-Unsubscribe on bulk email).
   * Email transports pass them on; SMS has no headers.
   */
  headers?: Record<string, string>;
}

export type SendOutcome =
  | { ok: true; provider: string; providerMessageId: string | null }
  | { ok: false; provider: string; failure: SendFailure }
  /** The request left and no answer came back: the provider may have the message. */
  | { ok: false; provider: string; unconfirmed: UnconfirmedHandOff };

export interface Transport {
  /** The provider name recorded on the log (sendgrid, twilio, sandbox, smtp...). */
  readonly provider: string;
  readonly channel: Channel;
  send(message: OutgoingMessage): Promise<SendOutcome>;
}

export function correlationIdOf(logDocumentId: string, attempt: number): string {
  return `${logDocumentId}.${attempt}`;
}
