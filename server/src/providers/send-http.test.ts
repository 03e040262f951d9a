/**
 * postToProvider against a real HTTP server on 127.0.0.1: what it answers, that it keeps its
 * connection, and that its failures still read as before through `unconfirmedHandOff` (the
 * request may have left: a timeout, a reset) or not (nothing could connect).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { unconfirmedHandOff } from '../core/send-failure';
import { postToProvider } from './send-http';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

let server: http.Server;
let base: string;
let handler: Handler;
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, body, res));
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const failureOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the post to fail');
};

describe('postToProvider', () => {
  it('sends the body and headers, and answers the status and the parsed JSON', async () => {
    handler = (req, body, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ got: body, type: req.headers['content-type'], length: req.headers['content-length'] }));
    };
    const answer = await postToProvider(`${base}/send`, { 'content-type': 'application/x-www-form-urlencoded' }, 'To=%2B447700900123&Body=Hi', 2000);
    expect(answer).toEqual({ status: 201, ok: true, json: { got: 'To=%2B447700900123&Body=Hi', type: 'application/x-www-form-urlencoded', length: '26' } });
  });

  it('answers a refusal with its status, and a body that is not a JSON object as {}', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<h1>Down</h1>');
    };
    expect(await postToProvider(`${base}/send`, {}, 'x', 2000)).toEqual({ status: 503, ok: false, json: {} });
    handler = (_req, _body, res) => res.end('null');
    expect(await postToProvider(`${base}/send`, {}, 'x', 2000)).toEqual({ status: 200, ok: true, json: {} });
  });

  it('keeps its connection from one post to the next', async () => {
    handler = (_req, _body, res) => res.end('{}');
    await postToProvider(`${base}/send`, {}, 'warm', 2000);
    const before = connections;
    for (let i = 0; i < 5; i += 1) await postToProvider(`${base}/send`, {}, `post ${i}`, 2000);
    expect(connections).toBe(before);
  });

  it('no answer within the timeout: a TimeoutError, read as a hand-off that may have left', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const error = await failureOf(postToProvider(`${base}/send`, {}, 'x', 200));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.name).toBe('TimeoutError');
    expect(unconfirmedHandOff(error)).toMatchObject({ code: 'TimeoutError' });
  });

  it('a connection reset after the request left is read as a hand-off that may have left', async () => {
    handler = (req) => req.socket.destroy();
    const error = await failureOf(postToProvider(`${base}/send`, {}, 'x', 2000));
    expect(unconfirmedHandOff(error)).toMatchObject({ code: 'ECONNRESET' });
  });

  it('a refused connection is not: nothing was sent', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failureOf(postToProvider(`http://127.0.0.1:${port}/send`, {}, 'x', 2000));
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(unconfirmedHandOff(error)).toBeNull();
  });
});
