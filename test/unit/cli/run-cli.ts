// Runs the `himoe` command line in-process, capturing what it prints: the CLI tests' one helper.
import { main } from '../../../src-main/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function himoe(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: (s) => {
      out += s;
    },
    stderr: {
      write: (s: string) => {
        err += s;
      },
      isTTY: false,
    },
  });
  return { code, out, err };
}
