// Helpers of the reliability tests that drive the real `himoe` binary (bin/himoe.js over dist/,
// built by `npm test` before vitest) as a separate process: spawn, wait for output, kill, repair.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';

export const HIMOE_BIN = resolve('bin/himoe.js');

export function assertBuilt(): void {
  if (!existsSync(resolve('dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) before the reliability tests');
}

export interface HimoeProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout or stderr; rejects if the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnHimoe(args: string[], opts: { wrapInShell?: string } = {}): HimoeProcess {
  const child = opts.wrapInShell
    ? spawn('bash', ['-c', `${opts.wrapInShell} && exec "$0" "$@"`, process.execPath, HIMOE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [HIMOE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const text = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  const poke = () => waiters.forEach((w) => w());
  child.stdout.on('data', (d: Buffer) => {
    text.stdout += d.toString();
    poke();
  });
  child.stderr.on('data', (d: Buffer) => {
    text.stderr += d.toString();
    poke();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  let done = false;
  void exited.then(() => {
    done = true;
    poke();
  });
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitFor: (stream, pattern) =>
      new Promise((res, rej) => {
        const check = () => {
          const m = text[stream].match(pattern);
          if (m) return res(m);
          if (done) rej(new Error(`himoe ${args[0]} exited before printing ${pattern} on ${stream}:\n${text.stderr}`));
        };
        waiters.push(check);
        check();
      }),
  };
}

/** `himoe repair FILE` as a process. */
export function repairWithCli(file: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [HIMOE_BIN, 'repair', file], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
