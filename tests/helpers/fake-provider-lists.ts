/**
 * Fake provider suppression-list APIs on 127.0.0.1, over real HTTP, with the paging, credential
 * checks and error behaviour of the real ones (see each provider's `suppressions.ts`):
 * SendGrid offset/limit arrays, Mailgun `paging.next` links, Postmark per-stream dumps, SES v2
 * `NextToken`s (with a SigV4-shaped Authorization). Tests seed the lists, queue failures
 * (a 500, a 429 with Retry-After) and read the requests received.
 */
import http from 'node:http';
import { freePort } from './app';

export const FAKE_KEYS = {
  sendgrid: 'SG.fake-key',
  mailgun: 'key-fake',
  mailgunDomain: 'mg.example.ac.uk',
  postmark: 'pm-fake-token',
  sesAccessKey: 'AKIAFAKE',
  sesSecret: 'fake-secret',
} as const;

export interface FakeEntry {
  address: string;
  /** Epoch seconds. */
  created: number;
  reason?: string;
  code?: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  at: number;
}

export interface QueuedFailure {
  /** Matches a request by method and a test on its path and query. */
  method?: string;
  when: (path: string, query: URLSearchParams) => boolean;
  status: number;
  headers?: Record<string, string>;
  /** How many requests it answers (default 1). */
  times?: number;
}

export interface FakeProviderLists {
  baseUrl: string;
  /** `sendgrid:bounces`, `mailgun:complaints`, `postmark:outbound`, `ses:account`… */
  lists: Map<string, FakeEntry[]>;
  requests: ReceivedRequest[];
  failures: QueuedFailure[];
  /** Milliseconds before each answer. */
  delayMs: number;
  seed(list: string, entries: FakeEntry[]): void;
  close(): Promise<void>;
}

type Handler = (req: { method: string; parts: string[]; query: URLSearchParams; body: string; headers: http.IncomingHttpHeaders }) => {
  status: number;
  body?: unknown;
};

const json = (status: number, body?: unknown) => ({ status, body });

function listOf(fake: FakeProviderLists, key: string): FakeEntry[] {
  if (!fake.lists.has(key)) fake.lists.set(key, []);
  return fake.lists.get(key)!;
}

function remove(entries: FakeEntry[], address: string): boolean {
  const index = entries.findIndex((e) => e.address.toLowerCase() === address.toLowerCase());
  if (index >= 0) entries.splice(index, 1);
  return index >= 0;
}

function sendgrid(fake: FakeProviderLists): Handler {
  return ({ method, parts, query, headers }) => {
    if (headers.authorization !== `Bearer ${FAKE_KEYS.sendgrid}`) return json(401, { errors: [{ message: 'authorization required' }] });
    // /v3/suppression/{list}[/{email}] or /v3/asm/suppressions/global/{email}
    const global = parts[1] === 'asm';
    const list = global ? 'unsubscribes' : parts[2];
    const email = global ? parts[4] : parts[3];
    const entries = listOf(fake, `sendgrid:${list}`);
    if (email === undefined) {
      const offset = Number(query.get('offset') ?? 0);
      const limit = Number(query.get('limit') ?? 500);
      return json(
        200,
        entries.slice(offset, offset + limit).map((e) => ({ email: e.address, created: e.created, reason: e.reason, status: e.code })),
      );
    }
    const found = entries.find((e) => e.address.toLowerCase() === email.toLowerCase());
    if (method === 'DELETE') {
      remove(entries, email);
      return json(204);
    }
    if (global) return json(200, found ? { recipient_email: found.address } : {});
    return json(200, found ? [{ email: found.address, created: found.created, reason: found.reason }] : []);
  };
}

function mailgun(fake: FakeProviderLists): Handler {
  return ({ method, parts, query, headers }) => {
    const expected = `Basic ${Buffer.from(`api:${FAKE_KEYS.mailgun}`).toString('base64')}`;
    if (headers.authorization !== expected) return json(401, { message: 'Invalid private key' });
    const [, domain, list, address] = parts;
    if (domain !== FAKE_KEYS.mailgunDomain) return json(404, { message: 'Domain not found' });
    // Mailgun pages by address order, from the last address of the page before.
    const entries = [...listOf(fake, `mailgun:${list}`)].sort((a, b) => a.address.localeCompare(b.address));
    if (address !== undefined && method === 'DELETE') {
      return remove(listOf(fake, `mailgun:${list}`), address)
        ? json(200, { message: 'Address has been removed', address })
        : json(404, { message: 'Address not found' });
    }
    const limit = Number(query.get('limit') ?? 100);
    const after = query.get('page') === 'next' ? (query.get('address') ?? '') : '';
    const items = entries.filter((e) => e.address.localeCompare(after) > 0).slice(0, limit);
    const last = items.length > 0 ? items[items.length - 1].address : after;
    const link = (page: string, at: string) =>
      `${fake.baseUrl}/mailgun/v3/${domain}/${list}?page=${page}&address=${encodeURIComponent(at)}&limit=${limit}`;
    return json(200, {
      items: items.map((e) => ({
        address: e.address,
        code: e.code,
        error: e.reason,
        created_at: new Date(e.created * 1000).toUTCString(),
      })),
      paging: { first: link('first', ''), last: link('last', ''), next: link('next', last), previous: link('previous', after) },
    });
  };
}

function postmark(fake: FakeProviderLists): Handler {
  return ({ method, parts, query, body, headers }) => {
    if (headers['x-postmark-server-token'] !== FAKE_KEYS.postmark)
      return json(401, { ErrorCode: 10, Message: 'Bad or missing Server API token.' });
    const stream = parts[1];
    const entries = listOf(fake, `postmark:${stream}`);
    if (method === 'POST' && parts[3] === 'delete') {
      const asked = (JSON.parse(body) as { Suppressions: { EmailAddress: string }[] }).Suppressions;
      return json(200, {
        Suppressions: asked.map(({ EmailAddress }) => {
          const entry = entries.find((e) => e.address === EmailAddress);
          if (entry?.code === 'SpamComplaint')
            return { EmailAddress, Status: 'Failed', Message: 'You do not have the required authority to change this suppression.' };
          remove(entries, EmailAddress);
          return { EmailAddress, Status: 'Deleted', Message: null };
        }),
      });
    }
    const only = query.get('emailaddress');
    const listed = only ? entries.filter((e) => e.address.toLowerCase() === only.toLowerCase()) : entries;
    return json(200, {
      Suppressions: listed.map((e) => ({
        EmailAddress: e.address,
        SuppressionReason: e.code ?? 'HardBounce',
        Origin: 'Recipient',
        CreatedAt: new Date(e.created * 1000).toISOString(),
      })),
    });
  };
}

function ses(fake: FakeProviderLists): Handler {
  return ({ method, parts, query, headers }) => {
    const auth = String(headers.authorization ?? '');
    if (
      !new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${FAKE_KEYS.sesAccessKey}/\\d{8}/[a-z0-9-]+/ses/aws4_request, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$`,
      ).test(auth)
    ) {
      return json(403, { message: 'The request signature we calculated does not match the signature you provided.' });
    }
    const entries = listOf(fake, 'ses:account');
    if (method === 'DELETE')
      return remove(entries, parts[4]) ? json(200, {}) : json(404, { message: 'Email address is not on the suppression list' });
    const token = query.get('NextToken');
    const offset = token ? Number(Buffer.from(token, 'base64').toString('utf8').replace('offset:', '')) : 0;
    const size = Number(query.get('PageSize') ?? 1000);
    const page = entries.slice(offset, offset + size);
    const next = offset + size < entries.length ? Buffer.from(`offset:${offset + size}`).toString('base64') : undefined;
    return json(200, {
      SuppressedDestinationSummaries: page.map((e) => ({ EmailAddress: e.address, Reason: e.code ?? 'BOUNCE', LastUpdateTime: e.created })),
      NextToken: next,
    });
  };
}

function route(fake: FakeProviderLists, parts: string[]): Handler | null {
  if (parts[0] === 'sendgrid') return sendgrid(fake);
  if (parts[0] === 'mailgun') return mailgun(fake);
  if (parts[0] === 'postmark') return postmark(fake);
  if (parts[0] === 'ses') return ses(fake);
  return null;
}

/** One server; each provider's base URL is `${baseUrl}/<provider>`. */
export async function startFakeProviderLists(): Promise<FakeProviderLists> {
  const port = await freePort();
  const fake: FakeProviderLists = {
    baseUrl: `http://127.0.0.1:${port}`,
    lists: new Map(),
    requests: [],
    failures: [],
    delayMs: 0,
    seed(list, entries) {
      fake.lists.set(list, [...entries]);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', fake.baseUrl);
      const method = req.method ?? 'GET';
      fake.requests.push({ method, path: url.pathname, query: url.searchParams, at: Date.now() });
      const [providerPart, ...rest] = url.pathname.split('/').filter(Boolean);
      const parts = [providerPart, ...rest.map(decodeURIComponent)];
      const failure = fake.failures.find(
        (f) => (f.method ?? 'GET') === method && f.when(url.pathname, url.searchParams) && (f.times ?? 1) > 0,
      );
      let answer: { status: number; body?: unknown; headers?: Record<string, string> };
      if (failure) {
        failure.times = (failure.times ?? 1) - 1;
        answer = { status: failure.status, body: { message: 'fake failure' }, headers: failure.headers };
      } else {
        answer =
          route(fake, parts)?.({ method, parts: parts.slice(1), query: url.searchParams, body, headers: req.headers }) ??
          json(404, { message: 'no such route' });
      }
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined || answer.status === 204 ? undefined : JSON.stringify(answer.body));
      }, fake.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return fake;
}

/** The plugin's `sync` config pointing every provider at the fake. */
export function syncConfigFor(fake: FakeProviderLists, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enabled: false,
    pageSize: 3,
    maxRetryAfterSeconds: 5,
    sendgrid: { apiKey: FAKE_KEYS.sendgrid, baseUrl: `${fake.baseUrl}/sendgrid` },
    mailgun: { apiKey: FAKE_KEYS.mailgun, domain: FAKE_KEYS.mailgunDomain, baseUrl: `${fake.baseUrl}/mailgun` },
    postmark: { serverToken: FAKE_KEYS.postmark, streams: ['outbound', 'broadcast'], baseUrl: `${fake.baseUrl}/postmark` },
    ses: { accessKeyId: FAKE_KEYS.sesAccessKey, secretAccessKey: FAKE_KEYS.sesSecret, region: 'eu-west-1', baseUrl: `${fake.baseUrl}/ses` },
    ...extra,
  };
}
