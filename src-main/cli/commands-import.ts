// `himoe import deap DIR --workspace WS` and `himoe import dreamer FILE --workspace WS`: write
// the public datasets into a workspace as sessions (one per subject) the library can index.

import type { Command } from 'commander';
import { openDeap } from '../storage/datasets/deap/deap.js';
import { openDreamer } from '../storage/datasets/dreamer/dreamer.js';
import { importDatasetToWorkspace, type ImportedSession } from '../storage/datasets/import-workspace.js';
import { Library } from '../storage/library/library.js';
import type { DatasetName, EmotionDataset } from '../storage/datasets/types.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';

interface ImportFlags {
  workspace: string;
  subjects?: string;
  overwrite: boolean;
  json: boolean;
}

/** "1,s02,deap-s03" -> ["deap-s01", "deap-s02", "deap-s03"] for dataset prefix "deap". */
export function parseSubjects(text: string, prefix: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const m = new RegExp(`^(?:${prefix}-)?s?(\\d{1,2})$`, 'i').exec(raw);
    if (!m) throw new CliError('BAD_FLAG', `--subjects: "${raw}" is not a subject; expected e.g. 1, s01 or ${prefix}-s01`);
    out.push(`${prefix}-s${m[1]!.padStart(2, '0')}`);
  }
  if (out.length === 0) throw new CliError('BAD_FLAG', '--subjects is empty; expected a comma list such as 1,2 or s01,s02');
  return out;
}

async function runImport(dataset: EmotionDataset, name: DatasetName, flags: ImportFlags, io: CliIo): Promise<void> {
  const subjects = flags.subjects === undefined ? undefined : parseSubjects(flags.subjects, name.toLowerCase());
  const t0 = performance.now();
  const sessions: ImportedSession[] = await importDatasetToWorkspace(dataset, flags.workspace, {
    ...(subjects ? { subjects } : {}),
    overwrite: flags.overwrite,
    onSession: (s) => {
      if (!flags.json) io.stderr.write(`imported ${s.id}: ${s.trials} trials, ${s.durationSec.toFixed(1)} s\n`);
    },
  });
  if (sessions.length === 0) {
    throw new CliError('NOTHING_IMPORTED', `no ${name} subject matched${subjects ? ` --subjects ${subjects.join(',')}` : ''}; nothing was written`);
  }
  // The folders are the truth; index them so `himoe sessions` and the UI list them at once.
  const lib = Library.open(flags.workspace);
  try {
    for (const s of sessions) {
      for (const w of (await lib.indexSession(s.id)).warnings) io.stderr.write(`library: ${w}\n`);
    }
  } finally {
    lib.close();
  }
  const wallSec = (performance.now() - t0) / 1000;
  if (flags.json) {
    io.stdout(`${JSON.stringify({ dataset: name, workspace: flags.workspace, wallSec, sessions })}\n`);
  } else {
    io.stdout(`imported ${sessions.length} ${name} session(s) into ${flags.workspace} in ${wallSec.toFixed(1)} s\n`);
    for (const s of sessions) io.stdout(`  ${s.id.padEnd(14)} ${String(s.trials).padStart(3)} trials ${s.durationSec.toFixed(1).padStart(8)} s  ${s.dir}\n`);
  }
}

export function registerImportCommands(program: Command, io: CliIo): void {
  const cmd = program.command('import').description('import a public dataset into a workspace as sessions (one per subject)');
  const common = (c: Command) =>
    c
      .requiredOption('--workspace <dir>', 'workspace folder (sessions go to <dir>/sessions/<id>/)')
      .option('--subjects <list>', 'only these subjects, e.g. 1,2 or s01,s02')
      .option('--overwrite', 'replace sessions that already exist', false)
      .option('--json', 'print the result as JSON', false);

  common(
    cmd
      .command('deap')
      .description('DEAP: a folder with data_preprocessed_python/sXX.dat (or data_preprocessed_matlab/sXX.mat)')
      .argument('<dir>', 'DEAP folder (or the data_preprocessed_* folder itself)'),
  ).action(async (dir: string, flags: ImportFlags) => {
    await runImport(openDeap(dir), 'DEAP', flags, io);
  });

  common(cmd.command('dreamer').description('DREAMER: the DREAMER.mat file').argument('<file>', 'DREAMER.mat')).action(
    async (file: string, flags: ImportFlags) => {
      await runImport(openDreamer(file), 'DREAMER', flags, io);
    },
  );
}
