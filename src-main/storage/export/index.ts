// Session export entry (CLI `himoe export`, later the app): reads an XDF recording and writes
// it as EDF+/BDF+, CSV per stream or a BIDS dataset.

import { exportBids, type BidsExportOptions } from '../bids/bids-export.js';
import { exportCsv } from '../csv/csv-export.js';
import { EdfError } from '../edf/edf-error.js';
import { exportEdf } from './edf-export.js';
import { loadExportSession } from './export-session.js';

export { exportEdf, planEdfExport, type EdfExportChannel, type EdfExportOptions, type EdfExportPlan } from './edf-export.js';
export {
  gridSignal,
  loadExportSession,
  maskGaps,
  sessionFromXdf,
  UNKNOWN_START_DATE,
  type ExportEvent,
  type ExportSession,
  type ExportSignalStream,
} from './export-session.js';

export const EXPORT_TARGETS = ['edf', 'bdf', 'csv', 'bids'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

export interface SessionExportOptions {
  to: ExportTarget;
  /** EDF/BDF: the file; CSV: a folder (one file per stream); BIDS: the dataset root. */
  out: string;
  overwrite?: boolean;
  /**
   * Pseudonymous subject id (default: the recording header's); null: unknown, even where the
   * header names one (a workspace session whose subject was corrected to unknown).
   */
  subject?: string | null;
  /** BIDS session and task labels, run index, mains frequency. */
  session?: string;
  task?: string;
  run?: number;
  powerLineHz?: number;
  /** EDF/BDF record duration in seconds (default: chosen from the rates). */
  recordDurationSec?: number;
}

export interface SessionExportResult {
  to: ExportTarget;
  out: string;
  /** Paths written (BIDS: relative to out). */
  files: string[];
  /** EDF/BDF: 'EDF+C', 'BDF+D', ... */
  variant?: string;
  bytes?: number;
  streams: number;
  events: number;
  durationSec: number;
  warnings: string[];
}

export async function exportSession(xdfPath: string, opts: SessionExportOptions): Promise<SessionExportResult> {
  const session = await loadExportSession(xdfPath);
  if (opts.subject !== undefined) session.subject = opts.subject ?? undefined;
  const base = { to: opts.to, out: opts.out, streams: session.signals.length, events: session.events.length, durationSec: session.durationSec };
  switch (opts.to) {
    case 'edf':
    case 'bdf': {
      const r = exportEdf(session, opts.out, { format: opts.to, overwrite: opts.overwrite, recordDurationSec: opts.recordDurationSec });
      return { ...base, files: [opts.out], variant: r.variant, bytes: r.bytes, warnings: [...session.warnings, ...r.plan.warnings] };
    }
    case 'csv': {
      const files = exportCsv(session, opts.out, { overwrite: opts.overwrite });
      return { ...base, files: files.map((f) => f.path), warnings: session.warnings };
    }
    case 'bids': {
      const bidsOpts: BidsExportOptions = { subject: opts.subject ?? undefined, session: opts.session, task: opts.task, run: opts.run, powerLineHz: opts.powerLineHz, overwrite: opts.overwrite };
      const r = exportBids(session, opts.out, bidsOpts);
      return { ...base, files: r.files, warnings: r.warnings };
    }
    default:
      throw new EdfError('BAD_INPUT', `unknown export target "${String(opts.to)}"; expected one of ${EXPORT_TARGETS.join(', ')}`, { field: 'to' });
  }
}
