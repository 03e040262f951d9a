/**
 * A fake Twilio REST server on 127.0.0.1 that counts how many times each message (log documentId)
 * reached it and, if asked, reports each message delivered, as Twilio does: a signed POST to the
 * message's StatusCallback.
 */
import http from 'node:http';
import { freePort } from './app';
import { twilioHeaders } from './webhooks';

export interface FakeTwilio {
  port: number;
  /** How many times each message (log documentId) was handed over. */
  receipts: Map<string, number>;
  /** Milliseconds before each answer; changeable between tests. */
  delayMs: number;
  /**
   * Milliseconds between the answer and the first post of its report (0 by default; changeable
   * between tests). Real providers report seconds to minutes after the hand-off; a crash test sets
   * this beyond the claims' lease, so that the dead process's messages are taken over before their
   * reports arrive, even when other processes are up to receive them.
   */
  reportDelayMs: number;
  close(): Promise<void>;
}

export interface StatusReports {
  /** Signs the callbacks (the plugin's `providers.twilio.authToken`). */
  authToken: string;
  /**
   * The ports of the Strapi processes to post to, read at each try. The StatusCallback's own host
   * is the plugin's `publicUrl` (a load balancer in production); the report goes to the first
   * process that answers, signed for the URL as given, and is tried again until one does.
   */
  ports: () => number[];
  /**
   * How long before a report that no process took is posted again. Email providers retry their
   * webhooks minutes apart (SendGrid, Mailgun, Postmark, SNS for SES); a crash test sets this
   * beyond the claims' lease, so that a dead process's reports arrive after another process has
   * taken its messages over.
   */
  retryAfterMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts one report until a process takes it (or 100 rounds pass, as a provider gives up). */
async function postReport(callback: string, form: string, reports: StatusReports): Promise<void> {
  const { pathname, search } = new URL(callback);
  for (let round = 0; round < 100; round += 1) {
    for (const port of reports.ports()) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}${pathname}${search}`, {
          method: 'POST',
          headers: twilioHeaders(reports.authToken, callback, form),
          body: form,
        });
        if (response.ok) return;
      } catch {
        // That process is gone (or not up yet): the next one, or the next round.
      }
    }
    await sleep(reports.retryAfterMs ?? 200);
  }
}

export async function fakeTwilio(delayMs: number, reports?: StatusReports): Promise<FakeTwilio> {
  let counter = 0;
  const fake: FakeTwilio = {
    port: await freePort(),
    receipts: new Map(),
    delayMs,
    reportDelayMs: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const report = async (callback: string, sid: string, to: string) => {
    const form = new URLSearchParams({ MessageSid: sid, MessageStatus: 'delivered', To: to, AccountSid: 'ACtest' }).toString();
    await postReport(callback, form, reports!);
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const callbackUrl = form.get('StatusCallback');
      const callback = new URL(callbackUrl ?? 'http://x/');
      const logId = (callback.searchParams.get('dlv') ?? 'unknown').split('.')[0];
      fake.receipts.set(logId, (fake.receipts.get(logId) ?? 0) + 1);
      counter += 1;
      const sid = `SM${counter.toString().padStart(32, '0')}`;
      setTimeout(() => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sid, status: 'queued' }));
        // The message was taken: its report follows whether or not the sender lived to read the answer.
        if (reports && callbackUrl) {
          setTimeout(() => void report(callbackUrl, sid, form.get('To') ?? ''), fake.reportDelayMs);
        }
      }, fake.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(fake.port, '127.0.0.1', resolve));
  return fake;
}
