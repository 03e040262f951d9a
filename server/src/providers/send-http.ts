/**
 * The POST that hands a message to a provider's REST API (Twilio, Vonage), over keep-alive
 * connections with Node's own `http` and `https` modules.
 *
 * Why not `fetch`: a send is one small POST, made many times a second by a bulk send or a
 * re-send tick, on the same event loop as the database work (and on SQLite, the database work
 * holds that loop). undici's `fetch` spends about 0.5 ms of that loop per request on web streams
 * and abort signals; `http.request` about a quarter of it. A bulk send of 10,000 SMS on SQLite
 * (bench/bulk.ts, 16 slots, 50 ms provider) went from 0.67 to 0.82 of its bound with this change.
 *
 * What a failure means is unchanged: an error before the request could leave (a refused
 * connection, an unknown host) is thrown as Node reports it; a timeout is thrown as a
 * `TimeoutError`, as `AbortSignal.timeout` does, and a reset as `ECONNRESET`, so that
 * `unconfirmedHandOff` (core/send-failure.ts) tells the two apart as before.
 */
import http from 'node:http';
import https from 'node:https';
import { unconfirmedHandOff, type SendFailure, type UnconfirmedHandOff } from '../core/send-failure';

export interface ProviderAnswer {
  status: number;
  /** A 2xx status. */
  ok: boolean;
  /** The body parsed as JSON, or `{}` when it is not a JSON object. */
  json: unknown;
}

// Idle sockets are closed before the server's announced keep-alive timeout (Node's agent reads
// the `Keep-Alive: timeout=` hint), and after 30 s otherwise.
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 30_000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 30_000 }),
};

/** The error a timeout is thrown as: named as `AbortSignal.timeout`'s, which callers already read as "no answer". */
function timeoutError(timeoutMs: number): Error {
  const error = new Error(`No answer within ${timeoutMs} ms`);
  error.name = 'TimeoutError';
  return error;
}

/** The answer's JSON object; `{}` for anything else (not JSON, or `null`), so callers can read its fields. */
function parseJson(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** POSTs `body` to `url` and reads the whole answer, or throws (see the file's header) within `timeoutMs`. */
export function postToProvider(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<ProviderAnswer> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
  return new Promise<ProviderAnswer>((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    const request = transport.request(target, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      // The connection broke in the middle of the answer.
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        const status = response.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, json: parseJson(Buffer.concat(chunks).toString('utf8')) });
      });
    });
    // The whole exchange, connection included, as a fetch with AbortSignal.timeout counts it.
    const timer = setTimeout(() => request.destroy(timeoutError(timeoutMs)), timeoutMs);
    request.on('error', fail);
    request.end(body);
  });
}

/**
 * What a `postToProvider` that threw means for the message: a hand-off that may have left (a
 * timeout, a reset) waits for the provider's report; one that never could is a soft failure.
 */
export function failedPost(provider: string, error: unknown): { ok: false; unconfirmed: UnconfirmedHandOff } | { ok: false; failure: SendFailure } {
  const unconfirmed = unconfirmedHandOff(error);
  if (unconfirmed) return { ok: false, unconfirmed };
  return { ok: false, failure: { kind: 'soft_bounce', severity: 'transient', code: 'network', text: `${provider} unreachable: ${(error as Error).message}` } };
}
