// `himoe export FILE.xdf --to edf|bdf|csv|bids --out PATH`: a recorded session for the tools
// researchers already use (MNE, EEGLAB, EDFbrowser, BIDS pipelines, spreadsheets).

import { existsSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { EXPORT_TARGETS, exportSession, type ExportTarget } from '../storage/export/index.js';
import { sessionMetaOfRecording } from '../storage/workspace.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';
import { parseNumberFlag } from './record.js';

interface ExportFlags {
  to: ExportTarget;
  out: string;
  overwrite: boolean;
  subject?: string;
  session?: string;
  task?: string;
  run?: string;
  lineFreq?: string;
  recordSec?: string;
  json: boolean;
}

export function registerExportCommands(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('export an XDF session as EDF+/BDF+, CSV (one file per stream) or a BIDS dataset')
    .argument('<file>', 'XDF recording')
    .addOption(new Option('--to <format>', 'output format').choices([...EXPORT_TARGETS]).makeOptionMandatory())
    .requiredOption('--out <path>', 'EDF/BDF file, CSV folder, or BIDS dataset root')
    .option('--overwrite', 'replace existing output files', false)
    .option('--subject <id>', 'pseudonymous subject id (default: for a workspace recording its session.json\'s, which the Sessions view can correct; else the recording header\'s)')
    .option('--session <label>', 'BIDS session label (default: 01)')
    .option('--task <label>', 'BIDS task label (default: the recording\'s protocol)')
    .option('--run <index>', 'BIDS run index')
    .option('--line-freq <hz>', 'BIDS PowerLineFrequency (50 or 60)')
    .option('--record-sec <sec>', 'EDF/BDF data record duration (default: chosen from the rates)')
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, flags: ExportFlags) => {
      if (!existsSync(file)) throw new CliError('BAD_INPUT', `${file}: no such file (expected an XDF recording)`);
      if (!statSync(file).isFile()) throw new CliError('BAD_INPUT', `${file}: not a file (expected an XDF recording)`);
      if ((flags.to === 'edf' || flags.to === 'bdf') && existsSync(flags.out) && statSync(flags.out).isDirectory()) {
        throw new CliError('BAD_FLAG', `--out: ${flags.out} is a folder; --to ${flags.to} writes one file, e.g. ${flags.out}/session.${flags.to}`);
      }
      if ((flags.to === 'csv' || flags.to === 'bids') && existsSync(flags.out) && !statSync(flags.out).isDirectory()) {
        throw new CliError('BAD_FLAG', `--out: ${flags.out} is a file; --to ${flags.to} writes into a folder`);
      }
      const notFor = (flag: string, allowed: ExportTarget[]) => {
        throw new CliError('BAD_FLAG', `${flag} applies to --to ${allowed.join('|')}, not --to ${flags.to}`);
      };
      if (flags.recordSec !== undefined && flags.to !== 'edf' && flags.to !== 'bdf') notFor('--record-sec', ['edf', 'bdf']);
      for (const [flag, value] of [['--session', flags.session], ['--task', flags.task], ['--run', flags.run], ['--line-freq', flags.lineFreq]] as const) {
        if (value !== undefined && flags.to !== 'bids') notFor(flag, ['bids']);
      }
      // A workspace recording's subject is its session.json's (null there: unknown), as the
      // Sessions view exports it: a corrected subject is never written into the recording.
      let subject: string | null | undefined = flags.subject;
      if (subject === undefined) {
        try {
          subject = (await sessionMetaOfRecording(file))?.subject;
        } catch (err) {
          throw new CliError('BAD_INPUT', `${(err as Error).message}; fix it, or pass --subject`, {}, { cause: err });
        }
      }
      const t0 = performance.now();
      const r = await exportSession(file, {
        to: flags.to,
        out: flags.out,
        overwrite: flags.overwrite,
        subject,
        session: flags.session,
        task: flags.task,
        run: flags.run === undefined ? undefined : parseNumberFlag('--run', flags.run, { min: 0, integer: true }),
        powerLineHz: flags.lineFreq === undefined ? undefined : parseNumberFlag('--line-freq', flags.lineFreq, { min: 1 }),
        recordDurationSec: flags.recordSec === undefined ? undefined : parseNumberFlag('--record-sec', flags.recordSec, { min: 0.001 }),
      });
      const wallSec = (performance.now() - t0) / 1000;
      if (flags.json) {
        io.stdout(`${JSON.stringify({ ...r, wallSec })}\n`);
        return;
      }
      const what = r.variant ? `${r.variant}, ${((r.bytes ?? 0) / 1e6).toFixed(2)} MB` : `${r.files.length} files`;
      io.stdout(`exported ${r.streams} streams and ${r.events} events (${r.durationSec.toFixed(1)} s) to ${r.out} (${what}) in ${wallSec.toFixed(2)} s\n`);
      for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
    });
}
