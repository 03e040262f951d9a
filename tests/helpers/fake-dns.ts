/**
 * A DNS server on 127.0.0.1 over real UDP that answers MX queries from a table: what the plugin's
 * MX look-ups (services/mx-hosts.ts) talk to in the tests. A name set to 'nxdomain' (or missing)
 * answers NXDOMAIN; 'silent' never answers (a look-up that times out). Counts the queries per name.
 */
import dgram from 'node:dgram';

export type FakeMxAnswer = { exchange: string; priority: number }[] | 'nxdomain' | 'silent';

export interface FakeDns {
  /** `127.0.0.1:<port>`, as `mailboxProviders.dnsServers` takes it. */
  server: string;
  answers: Map<string, FakeMxAnswer>;
  queries: Map<string, number>;
  stop(): Promise<void>;
}

const TYPE_MX = 15;
const CLASS_IN = 1;

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])),
    Buffer.from([0]),
  ]);
}

/** The question's name and where the question ends (no compression in queries). */
function readQuestion(query: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let offset = 12;
  while (query[offset] !== 0) {
    const length = query[offset];
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: offset + 1 + 4 };
}

function header(id: number, rcode: number, answers: number): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x8180 | rcode, 2); // a response, recursion desired and available
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(answers, 6);
  return head;
}

function mxRecord(exchange: string, priority: number): Buffer {
  const rdata = Buffer.concat([Buffer.from([priority >> 8, priority & 0xff]), encodeName(exchange)]);
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0); // the question's name
  fixed.writeUInt16BE(TYPE_MX, 2);
  fixed.writeUInt16BE(CLASS_IN, 4);
  fixed.writeUInt32BE(300, 6);
  fixed.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([fixed, rdata]);
}

/** The answer to one query, or null to stay silent. */
export function answerTo(query: Buffer, answers: ReadonlyMap<string, FakeMxAnswer>): Buffer | null {
  const { name, end } = readQuestion(query);
  const question = query.subarray(12, end);
  const answer = answers.get(name) ?? 'nxdomain';
  if (answer === 'silent') return null;
  if (answer === 'nxdomain') return Buffer.concat([header(query.readUInt16BE(0), 3, 0), question]);
  return Buffer.concat([header(query.readUInt16BE(0), 0, answer.length), question, ...answer.map((r) => mxRecord(r.exchange, r.priority))]);
}

export async function startFakeDns(answers: Record<string, FakeMxAnswer> = {}): Promise<FakeDns> {
  const socket = dgram.createSocket('udp4');
  const dns: Omit<FakeDns, 'server'> = {
    answers: new Map(Object.entries(answers)),
    queries: new Map(),
    stop: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (query, peer) => {
    const { name } = readQuestion(query);
    dns.queries.set(name, (dns.queries.get(name) ?? 0) + 1);
    const reply = answerTo(query, dns.answers);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { ...dns, server: `127.0.0.1:${socket.address().port}` };
}
