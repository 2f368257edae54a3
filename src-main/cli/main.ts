// The `himoe` command line: record, inspect and repair sessions without the desktop app.
// Every command maps bad input to a CliError/HimoeError message and a non-zero exit code.

import { Command, CommanderError } from 'commander';
import { HimoeError } from '../core/errors.js';
import { readXdf } from '../storage/xdf/xdf-reader.js';
import { formatSummary, summarizeXdf } from './inspect.js';
import { runRecord } from './record.js';
import { runRepair } from './repair.js';
import { registerLibraryCommands } from './commands-library.js';
import { registerAnnotationCommands } from './commands-annotation.js';
import { registerImportCommands } from './commands-import.js';
import { registerExportCommands } from './commands-export.js';
import { registerServeCommands } from './commands-serve.js';
import { registerDevicesCommands } from './commands-devices.js';
import { registerDspCommands } from './commands-dsp.js';
import { registerModelCommands } from './commands-model.js';
import { registerEvaluateCommands } from './commands-evaluate.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: { write(text: string): void; isTTY?: boolean; columns?: number };
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: process.stderr,
};

export function buildProgram(io: CliIo = defaultIo): Command {
  const program = new Command('himoe')
    .description('HiMoE Workstation: record, align, annotate and model multimodal physiology (EEG, ECG, EDA, PPG, RESP)')
    .version('0.1.0')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command('record')
    .description('record a session to an XDF file')
    .option('--source <spec>', 'signal source, repeatable (default synthetic): synthetic[:eda,ecg], cyton:PORT, cyton-daisy:PORT, bitalino:PORT:ecg=A2,eda=A3, text:PORT:columns=eda:uS;rate=50, himoe:PORT, brainflow:BOARD[:key=value,...], playback:FILE.xdf[:speed=4]', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--modalities <list>', 'comma list of eeg,ecg,eda,ppg,resp', 'eeg,ecg,eda,ppg,resp')
    .option('--seed <n>', 'subject seed of the synthetic source', '1')
    .option('--duration <sec>', 'session length in seconds (required without --realtime)')
    .option('--realtime', 'pace the source in real time (default: as fast as possible)', false)
    .option('--out <file.xdf>', 'XDF file to write (or --workspace)')
    .option('--workspace <dir>', 'record into a workspace: sessions/<id>/recording.xdf + session.json, indexed in library.sqlite')
    .option('--subject <pseudonym>', 'pseudonymous subject id stored in the file header')
    .option('--notes <text>', 'free-text session notes stored in the file header')
    .option('--json', 'print the summary as JSON', false)
    .action(async (opts) => {
      const ac = new AbortController();
      const onSignal = () => ac.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const r = await runRecord(opts, io.stderr, ac.signal);
        if (opts.json) {
          io.stdout(`${JSON.stringify(r)}\n`);
        } else {
          io.stdout(`recorded ${r.durationSec.toFixed(1)} s to ${r.path} (${(r.bytes / 1e6).toFixed(2)} MB, ${r.xRealTime.toFixed(1)}x real time)\n`);
          for (const s of r.streams) {
            io.stdout(`  ${s.id.padEnd(24)} ${s.type.padEnd(13)} ${String(s.samples).padStart(9)} samples` + (s.lost > 0 ? `, ${s.lost} lost in ${s.gaps} gaps` : '') + '\n');
          }
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  program
    .command('inspect')
    .description('list the streams of an XDF file')
    .argument('<file>', 'XDF file')
    .option('--json', 'print JSON', false)
    .option('--no-sync', 'do not apply clock synchronisation')
    .option('--no-dejitter', 'do not dejitter timestamps')
    .action(async (file: string, opts: { json: boolean; sync: boolean; dejitter: boolean }) => {
      const xdf = await readXdf(file, { synchronizeClocks: opts.sync, dejitter: opts.dejitter });
      const summary = summarizeXdf(xdf);
      io.stdout(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(file, summary)}\n`);
    });

  program
    .command('repair')
    .description('complete a truncated XDF file (keeps the original as FILE.bak)')
    .argument('<file>', 'XDF file')
    .action(async (file: string) => {
      io.stdout(`${await runRepair(file)}\n`);
    });

  registerLibraryCommands(program, io);
  registerAnnotationCommands(program, io);
  registerImportCommands(program, io);
  registerExportCommands(program, io);
  registerServeCommands(program, io);
  registerDevicesCommands(program, io);
  registerDspCommands(program, io);
  registerModelCommands(program, io);
  registerEvaluateCommands(program, io);
  return program;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof HimoeError) {
      io.stderr.write(`himoe: error [${err.code}]: ${err.message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') {
      io.stderr.write(`himoe: error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`himoe: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 70;
  }
}
