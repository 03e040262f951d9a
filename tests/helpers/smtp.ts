/**
 * A local SMTP server that accepts every message and keeps its raw text (headers and body) by
 * recipient: what a relay such as smtp.sendgrid.net receives, for the tests that check which
 * headers the plugin hands over.
 */
import { SMTPServer } from 'smtp-server';

export interface CapturingSmtp {
  /** The raw message last relayed to each recipient address. */
  relayed: Map<string, string>;
  close(): Promise<void>;
}

export async function capturingSmtp(port: number): Promise<CapturingSmtp> {
  const relayed = new Map<string, string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) relayed.set(r.address, raw);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { relayed, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A header of a raw message, unfolded; `undefined` when absent. */
export function header(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n(?=[ \t])/g, '');
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** All headers of a raw message whose name starts with `prefix`, as name → value. */
export function headersStartingWith(raw: string, prefix: string): Record<string, string> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n(?=[ \t])/g, '');
  const found: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (line.toLowerCase().startsWith(prefix.toLowerCase())) found[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return found;
}
