/** Starts a server variant in a child process and collects the RSS samples it sends. */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './serve.js';
import type { Variant } from './variants.js';

const SERVE_ENTRY = fileURLToPath(new URL('./serve.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface RssSample {
  /** Milliseconds since the Unix epoch, from the child's clock. */
  readonly at: number;
  readonly rss: number;
  readonly heapUsed: number;
}

export interface ChildServerOptions {
  readonly variant: Variant;
  readonly dbPath: string;
  readonly secret: Buffer;
  readonly pageSize: number;
  /** Interval of RSS samples sent by the child; 0 sends none. */
  readonly rssIntervalMs?: number;
  /** Folder for a V8 CPU profile of the child (`--cpu-prof`), written when it exits. */
  readonly cpuProfileDir?: string;
}

/** A server variant running in a child process. */
export class ChildServer {
  readonly samples: RssSample[] = [];

  private constructor(
    readonly url: string,
    readonly pid: number,
    readonly child: ChildProcess,
  ) {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'rss')
        this.samples.push({ at: message.at, rss: message.rss, heapUsed: message.heapUsed });
    });
  }

  /** Forks `bench/serve.ts` and resolves once it listens; rejects on failure or after 30 s. */
  static async start(options: ChildServerOptions): Promise<ChildServer> {
    const execArgv = ['--import', 'tsx'];
    if (options.cpuProfileDir !== undefined)
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
    const child = fork(SERVE_ENTRY, [], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        BENCH_VARIANT: options.variant,
        BENCH_DB: options.dbPath,
        BENCH_SECRET: options.secret.toString('hex'),
        BENCH_PAGE_SIZE: String(options.pageSize),
        BENCH_RSS_INTERVAL_MS: String(options.rssIntervalMs ?? 0),
      },
    });

    try {
      const url = await waitForListening(child, options.variant);
      return new ChildServer(url, child.pid ?? -1, child);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** Drops the RSS samples taken so far. */
  clearSamples(): void {
    this.samples.length = 0;
  }

  /**
   * Closes the IPC channel, which makes the child close its server and exit. Kills the child after
   * 10 s, or at once with SIGTERM when the channel is already closed.
   */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    if (this.child.connected) {
      this.child.disconnect();
    } else {
      this.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

function waitForListening(child: ChildProcess, variant: Variant): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server variant ${variant} did not listen within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'listening') finish(() => resolve(message.url));
      if (message.type === 'failed')
        finish(() => reject(new Error(`server variant ${variant} failed: ${message.message}`)));
    };
    const onExit = (code: number | null) =>
      finish(() => reject(new Error(`server variant ${variant} exited with ${code} before listening`)));
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
