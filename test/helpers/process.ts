import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from './cli.js';

/** A long-running child process whose stdout lines can be awaited. */
export interface RunningProcess {
  /** Resolves with the first stdout line, past or future, that `match` accepts. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** All output so far, for failure messages. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Starts `node ...args` in the project root. */
export function startProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): RunningProcess {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((candidate) => candidate.match(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const output = () => `stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`;

  return {
    output,
    waitForLine(match, timeoutMs) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching line within ${timeoutMs} ms\n${output()}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) =>
          reject(new Error(`process exited with ${code} before the line appeared\n${output()}`)),
        );
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
