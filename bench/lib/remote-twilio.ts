/**
 * The fake Twilio server of `tests/helpers/fake-twilio.ts`, run in a child process of its own, as a
 * real provider runs on another machine: its HTTP server does not share the plugin's event loop.
 * Run as a script, it is the child; imported, `remoteTwilio` starts one and asks it for its counts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fakeTwilio } from '../../tests/helpers/fake-twilio';

export interface RemoteTwilio {
  port: number;
  /** How many hand-offs the server has taken, all messages together. */
  handOffs(): Promise<number>;
  close(): Promise<void>;
}

export async function remoteTwilio(latencyMs: number): Promise<RemoteTwilio> {
  const child: ChildProcess = fork(__filename, [String(latencyMs)], {
    execArgv: ['-r', path.resolve(__dirname, '..', 'register.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = <T>(): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (message) => resolve(message as T));
      child.once('exit', (code) => reject(new Error(`the fake Twilio process exited (${code})`)));
    });
  const { port } = await reply<{ port: number }>();
  return {
    port,
    handOffs: async () => {
      const answer = reply<{ handOffs: number }>();
      child.send('count');
      return (await answer).handOffs;
    },
    close: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill();
      await exited;
    },
  };
}

if (require.main === module) {
  void fakeTwilio(Number(process.argv[2])).then((fake) => {
    process.send!({ port: fake.port });
    process.on('message', () => {
      process.send!({ handOffs: [...fake.receipts.values()].reduce((a, b) => a + b, 0) });
    });
  });
}
