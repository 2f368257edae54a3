// `himoe sessions` and `himoe library rebuild`: list a workspace's sessions from its library
// index, and rebuild that index from the session folders (the truth), e.g. after damage.

import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { Library, type SessionSummary } from '../storage/library/index.js';
import { isValidPseudonym } from '../storage/workspace.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';

export function registerLibraryCommands(program: Command, io: CliIo): void {
  program
    .command('sessions')
    .description('list the sessions of a workspace (from its library.sqlite)')
    .requiredOption('--workspace <dir>', 'workspace folder')
    .option('--subject <pseudonym>', 'only sessions of this subject')
    .option('--json', 'print JSON', false)
    .action(async (opts: { workspace: string; subject?: string; json: boolean }) => {
      if (opts.subject !== undefined && !isValidPseudonym(opts.subject)) {
        throw new CliError('BAD_FLAG', `--subject: "${opts.subject}" is not a pseudonym; expected letters, digits, '_' or '-' (e.g. P012)`);
      }
      const lib = Library.open(opts.workspace, { create: false });
      try {
        // A recorder that crashed left its row at 'recording'; look again before listing. Listing
        // does not depend on it: a busy or failing refresh is only a warning.
        try {
          for (const r of await lib.refreshStaleRecordings()) for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
        } catch (err) {
          io.stderr.write(`warning: could not refresh sessions left 'recording': ${(err as Error).message}\n`);
        }
        const sessions = lib.listSessions({ subject: opts.subject });
        io.stdout(opts.json ? `${JSON.stringify(sessions)}\n` : formatSessions(opts.workspace, sessions, opts.subject));
      } finally {
        lib.close();
      }
    });

  const library = program.command('library').description('maintain the session library index (library.sqlite) of a workspace');
  library
    .command('rebuild')
    .description('rebuild library.sqlite from the session folders; a damaged index is moved aside, never deleted')
    .requiredOption('--workspace <dir>', 'workspace folder')
    .option('--json', 'print JSON', false)
    .action(async (opts: { workspace: string; json: boolean }) => {
      if (!existsSync(opts.workspace) || !statSync(opts.workspace).isDirectory()) {
        throw new CliError('BAD_FLAG', `--workspace: ${opts.workspace}: no such workspace folder`);
      }
      const r = await Library.rebuildWorkspace(opts.workspace);
      for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
      if (opts.json) {
        io.stdout(`${JSON.stringify(r)}\n`);
        return;
      }
      if (r.movedAside) io.stdout(`moved the damaged index aside to ${r.movedAside}\n`);
      io.stdout(
        `indexed ${r.sessions} session${r.sessions === 1 ? '' : 's'} and ${r.runs} run${r.runs === 1 ? '' : 's'} into ${opts.workspace}/library.sqlite` +
          (r.skipped.length > 0 ? `; skipped ${r.skipped.length} (see warnings)` : '') +
          '\n',
      );
    });
}

/** A fixed-width table, one session per line, oldest first. */
export function formatSessions(workspace: string, sessions: SessionSummary[], subject?: string): string {
  if (sessions.length === 0) return `no sessions${subject ? ` of subject ${subject}` : ''} in ${workspace}\n`;
  const rows = sessions.map((s) => [
    s.id,
    s.subject ?? '-',
    s.createdAt.replace(/\.\d+Z$/, 'Z'),
    s.durationSec === null ? '-' : `${s.durationSec.toFixed(1)} s`,
    s.status,
    String(s.streamCount),
    String(s.markerCount),
    s.protocol || '-',
  ]);
  const header = ['ID', 'SUBJECT', 'CREATED', 'DURATION', 'STATUS', 'STREAMS', 'MARKERS', 'PROTOCOL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
