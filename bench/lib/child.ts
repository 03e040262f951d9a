/** The runner's handle on the Strapi child: fork, typed calls over IPC, stop. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export class StrapiChild {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderr = '';

  private constructor(private readonly child: ChildProcess, readonly pid: number) {
    child.on('message', (message: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (message.id === undefined) return;
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`in the Strapi child: ${message.error}`));
    });
    child.on('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`the Strapi child exited (${code}): ${this.stderr.slice(-2000)}`));
      this.waiting.clear();
    });
  }

  static start(appDir: string, port: number, env: Record<string, string> = {}): Promise<StrapiChild> {
    const bench = path.resolve(__dirname, '..');
    const child = fork(path.join(bench, 'worker.ts'), [appDir, String(port)], {
      cwd: appDir,
      execArgv: ['-r', path.join(bench, 'register.js'), '--expose-gc'],
      env: { ...process.env, ...env, TZ: 'UTC', STRAPI_TELEMETRY_DISABLED: 'true', NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.length > 20_000) stderr = stderr.slice(-20_000);
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the Strapi child exited (${code}) before it was ready:\n${stderr.slice(-4000)}`));
      child.once('exit', onExit);
      child.on('message', function ready(message: { ready?: boolean; pid?: number }) {
        if (!message.ready) return;
        child.off('message', ready);
        child.off('exit', onExit);
        const handle = new StrapiChild(child, message.pid!);
        child.stderr!.on('data', (chunk: Buffer) => {
          handle.stderr = (handle.stderr + chunk.toString()).slice(-20_000);
        });
        resolve(handle);
      });
    });
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.call('stop').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
