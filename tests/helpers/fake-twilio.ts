/** A fake Twilio REST server on 127.0.0.1 that counts how many times each message (log documentId) reached it. */
import http from 'node:http';
import { freePort } from './app';

export interface FakeTwilio {
  port: number;
  /** How many times each message (log documentId) was handed over. */
  receipts: Map<string, number>;
  /** Milliseconds before each answer; changeable between tests. */
  delayMs: number;
  close(): Promise<void>;
}

export async function fakeTwilio(delayMs: number): Promise<FakeTwilio> {
  let counter = 0;
  const fake: FakeTwilio = {
    port: await freePort(),
    receipts: new Map(),
    delayMs,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const callback = new URL(form.get('StatusCallback') ?? 'http://x/');
      const logId = (callback.searchParams.get('dlv') ?? 'unknown').split('.')[0];
      fake.receipts.set(logId, (fake.receipts.get(logId) ?? 0) + 1);
      counter += 1;
      setTimeout(() => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sid: `SM${counter.toString().padStart(32, '0')}`, status: 'queued' }));
      }, fake.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(fake.port, '127.0.0.1', resolve));
  return fake;
}
