/**
 * What a synchronous send failure means, in the same terms as a webhook event, so that one set
 * of rules (`decide`) handles both: an address problem (hard), a temporary one (soft, retried),
 * or a problem on the sender's side (the message fails, the address is left alone).
 */
import type { EventKind, Severity } from './events';

export interface SendFailure {
  kind: Extract<EventKind, 'hard_bounce' | 'soft_bounce' | 'opt_out' | 'failed'>;
  severity: Severity;
  code: string | null;
  text: string;
}

/** The parts of a nodemailer / SMTP error that tell what happened. */
export interface SmtpErrorLike {
  /** nodemailer's own code: EAUTH, ECONNECTION, ETIMEDOUT, EENVELOPE, EMESSAGE... */
  code?: string;
  /** The SMTP reply code: 550, 452... */
  responseCode?: number;
  /** The server's reply text, with its enhanced status code (5.1.1). */
  response?: string;
  message?: string;
}

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
// Nothing reached the server: safe to send again on the backoff schedule. (A timeout or a reset
// after the request left is `unconfirmedHandOff`, checked first by the transports.)
const TRANSIENT_NETWORK = new Set(['ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'ECONNRESET', 'ECONNREFUSED', 'EDNS', 'ETIMEOUT']);

export function classifySmtpFailure(error: SmtpErrorLike): SendFailure {
  const text = (error.response ?? error.message ?? 'Unknown SMTP error').trim();
  const enhanced = ENHANCED.exec(text)?.[0] ?? null;
  const code = [error.responseCode, enhanced].filter(Boolean).join(' ') || error.code || null;

  // Bad credentials or a refused login: the site's configuration, not the student's address.
  if (error.code === 'EAUTH' || error.responseCode === 535 || error.responseCode === 530) {
    return { kind: 'failed', severity: 'permanent', code, text: `Configuration error: ${text}` };
  }
  if (error.responseCode !== undefined) {
    if (error.responseCode >= 500) {
      // 5.7.x is policy (reputation, DMARC, content): the address may be fine.
      if (enhanced?.startsWith('5.7.')) return { kind: 'failed', severity: 'permanent', code, text };
      return { kind: 'hard_bounce', severity: 'permanent', code, text };
    }
    if (error.responseCode >= 400) return { kind: 'soft_bounce', severity: 'transient', code, text };
  }
  if (error.code && TRANSIENT_NETWORK.has(error.code)) return { kind: 'soft_bounce', severity: 'transient', code: error.code, text };
  if (error.code === 'EENVELOPE') return { kind: 'hard_bounce', severity: 'permanent', code, text };
  // Anything else we cannot read is treated as temporary: retrying is cheaper than losing mail.
  return { kind: 'soft_bounce', severity: 'transient', code, text };
}

/**
 * A hand-off whose outcome is unknown: the request left, and then the answer timed out or the
 * connection broke. The provider may have the message, so re-sending at once risks reaching the
 * student twice; the message waits for the provider's report instead (see `isUnconfirmed`).
 */
export interface UnconfirmedHandOff {
  code: string;
  text: string;
}

/**
 * Errors after the request may have left (Node, undici's fetch and nodemailer codes). A refused
 * connection or an unknown host is not here: nothing was sent, and that is an ordinary soft failure.
 */
const AMBIGUOUS_NETWORK = new Set([
  'ETIMEDOUT',
  'ETIMEOUT',
  'ESOCKET',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'TimeoutError',
  'AbortError',
]);

/** The error's code, or its cause's (fetch wraps the socket error), or its name (a timeout signal). */
function networkCode(error: unknown): string | null {
  const seen = new Set<unknown>();
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && AMBIGUOUS_NETWORK.has(code)) return code;
    if (typeof name === 'string' && AMBIGUOUS_NETWORK.has(name)) return name;
  }
  return null;
}

/** `null` when the error says for sure what happened (a reply from the server, or no connection at all). */
export function unconfirmedHandOff(error: unknown): UnconfirmedHandOff | null {
  if (typeof (error as SmtpErrorLike | null)?.responseCode === 'number') return null;
  const code = networkCode(error);
  if (!code) return null;
  return { code, text: `No answer after the hand-off (${code}): ${(error as Error).message ?? String(error)}` };
}
