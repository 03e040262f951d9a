/**
 * HTTP for the provider list APIs, on Node's fetch: a timeout per request, and rate limits
 * honoured. A 429 is waited out for as long as the provider asks (`Retry-After` in seconds or as
 * a date; SendGrid says it with `X-RateLimit-Reset`, an epoch second), up to a limit per wait and
 * a number of waits; past them the call fails and the sync resumes from its cursor at the next run.
 */

export interface ApiCallOptions {
  timeoutMs: number;
  maxRateLimitRetries: number;
  maxRetryAfterSeconds: number;
  /** Waits `ms`; tests and the sync pass a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** A provider API call that did not succeed. `status` is null when no answer came (timeout, refused connection). */
export class ProviderApiError extends Error {
  constructor(
    readonly provider: string,
    readonly status: number | null,
    message: string,
  ) {
    super(`${provider}: ${message}`);
    this.name = 'ProviderApiError';
  }
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a 429 asks us to wait, in ms; 1 s when it does not say. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Number(retryAfter.trim()) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset.trim()) * 1000 - now);
  return 1000;
}

async function readBody(response: Response): Promise<unknown> {
  const raw = await response.text();
  if (raw === '') return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

async function fetchOnce(provider: string, url: string, init: RequestInit, timeoutMs: number): Promise<ApiResponse> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await readBody(response), headers: response.headers };
  } catch (error) {
    const name = (error as Error).name;
    throw new ProviderApiError(
      provider,
      null,
      name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `could not be reached (${name})`,
    );
  }
}

/** One API call; 429s are waited out. Any other status is returned for the client to read. */
export async function callProviderApi(provider: string, url: string, init: RequestInit, options: ApiCallOptions): Promise<ApiResponse> {
  const sleep = options.sleep ?? realSleep;
  for (let waits = 0; ; waits += 1) {
    const response = await fetchOnce(provider, url, init, options.timeoutMs);
    if (response.status !== 429) return response;
    const waitMs = retryAfterMs(response.headers);
    if (waits >= options.maxRateLimitRetries || waitMs > options.maxRetryAfterSeconds * 1000) {
      throw new ProviderApiError(
        provider,
        429,
        `rate limited (asked to wait ${Math.ceil(waitMs / 1000)} s); the sync resumes at its next run`,
      );
    }
    await sleep(waitMs);
  }
}

/** A status that is not 2xx as an error, naming the status only (bodies can quote addresses). */
export function expectOk(provider: string, response: ApiResponse, what: string): ApiResponse {
  if (response.status >= 200 && response.status < 300) return response;
  const why = response.status === 401 || response.status === 403 ? 'the API key was refused' : `answered ${response.status}`;
  throw new ProviderApiError(provider, response.status, `${what}: ${why}`);
}

/** Runs `lift` for each list and reports each outcome; one list's failure does not stop the others. */
export async function liftFromEach(lists: readonly string[], lift: (list: string) => Promise<'lifted' | 'not_listed'>) {
  const outcomes = [];
  for (const list of lists) {
    try {
      outcomes.push({ list, result: await lift(list) });
    } catch (error) {
      outcomes.push({ list, result: 'failed' as const, detail: (error as Error).message });
    }
  }
  return outcomes;
}
