// CSV export of a session, one file per stream: session time in seconds and the values as
// recorded (no resampling; gaps are missing rows), units in the header ("Fp1 [uV]").
// String streams (markers, labels) become time + text. Annotation traces have their own
// CSV in core/annotation.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HimoeError } from '../../core/errors.js';
import { shortUnit } from '../edf/edf-format.js';
import type { ExportSession, ExportSignalStream } from '../export/export-session.js';

/** Errors of the CSV exporter (bad output path, write failures). */
export class CsvError extends HimoeError {
  readonly domain = 'csv';
}

export interface CsvExportOptions {
  /** Replace existing files (default false: an existing file is an error). */
  overwrite?: boolean;
}

export interface CsvFileWritten {
  path: string;
  stream: string;
  rows: number;
  columns: string[];
}

/** A CSV cell: quoted when it holds a comma, quote, CR or LF. */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The shortest decimal text that reads back as the same float32. */
export function formatFloat32(v: number): string {
  if ((Number.isInteger(v) && Math.abs(v) < 2 ** 24) || !Number.isFinite(v)) return String(v);
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** File name for a stream: letters, digits, '-', '_' and '.' kept, the rest '_'. */
export function safeFileStem(name: string): string {
  const stem = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return stem.length > 0 ? stem.slice(0, 100) : 'stream';
}

class LineWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {}
  line(text: string): void {
    this.parts.push(text);
    this.size += text.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join('\n') + '\n';
    this.parts = [];
    this.size = 0;
    try {
      writeSync(this.fd, text);
    } catch (err) {
      throw new CsvError('IO_FAILED', `${this.path}: write failed: ${(err as Error).message}`, { path: this.path }, { cause: err });
    }
  }
}

function openOut(path: string, overwrite: boolean): number {
  try {
    return openSync(path, overwrite ? 'w' : 'wx');
  } catch (err) {
    throw new CsvError('IO_FAILED', `${path}: cannot create the file: ${(err as Error).message}`, { path }, { cause: err });
  }
}

function writeSignal(path: string, s: ExportSignalStream, overwrite: boolean): CsvFileWritten {
  const columns = ['time_s', ...s.info.channels.map((ch) => `${ch.label} [${shortUnit(ch.unit) || 'n/a'}]`)];
  const fd = openOut(path, overwrite);
  try {
    const w = new LineWriter(fd, path);
    w.line(columns.map(csvCell).join(','));
    const c = s.channelCount;
    const n = s.timesSec.length;
    for (let i = 0; i < n; i++) {
      let line = s.timesSec[i]!.toFixed(6);
      for (let k = 0; k < c; k++) line += ',' + formatFloat32(s.values[i * c + k]!);
      w.line(line);
    }
    w.flush();
    return { path, stream: s.info.name, rows: n, columns };
  } finally {
    closeSync(fd);
  }
}

/** Writes one CSV per stream into `outDir` (created if needed); names come from the stream
 *  names, made unique. */
export function exportCsv(session: ExportSession, outDir: string, opts: CsvExportOptions = {}): CsvFileWritten[] {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw new CsvError('IO_FAILED', `${outDir}: cannot create the folder: ${(err as Error).message}`, { path: outDir }, { cause: err });
  }
  const used = new Set<string>();
  const fileFor = (name: string): string => {
    let stem = safeFileStem(name);
    for (let k = 2; used.has(stem); k++) stem = `${safeFileStem(name)}-${k}`;
    used.add(stem);
    return join(outDir, `${stem}.csv`);
  };
  const written: CsvFileWritten[] = [];
  for (const s of session.signals) written.push(writeSignal(fileFor(s.info.name), s, opts.overwrite ?? false));
  const byStream = new Map<string, typeof session.events>();
  for (const e of session.events) {
    const list = byStream.get(e.streamName) ?? [];
    list.push(e);
    byStream.set(e.streamName, list);
  }
  for (const [name, events] of byStream) {
    const path = fileFor(name);
    const fd = openOut(path, opts.overwrite ?? false);
    try {
      const w = new LineWriter(fd, path);
      w.line('time_s,text');
      for (const e of events) w.line(`${e.onsetSec.toFixed(6)},${csvCell(e.text)}`);
      w.flush();
    } finally {
      closeSync(fd);
    }
    written.push({ path, stream: name, rows: events.length, columns: ['time_s', 'text'] });
  }
  return written;
}
