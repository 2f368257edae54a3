// The BIDS rules that apply to our exports, checked on a folder (bids-validator itself is an
// npm/deno tool outside the allowed installs): file naming entities and their order, the
// files each datatype may hold, sidecars, REQUIRED JSON fields, TSV headers, physio tsv.gz
// without header and with as many columns as its Columns, participants listed.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

const LABEL = '[A-Za-z0-9]+';
/** sub-<label>[_ses-<label>]_task-<label>[_acq-<label>][_run-<index>][_recording-<label>]_<suffix><ext> */
const NAME_RE = new RegExp(`^sub-(${LABEL})(?:_ses-(${LABEL}))?_task-(${LABEL})(?:_acq-(${LABEL}))?(?:_run-(\\d+))?(?:_recording-(${LABEL}))?_([a-z]+)(\\.[a-z.]+)$`);
const ALLOWED: Record<string, Record<string, string[]>> = {
  eeg: { eeg: ['.edf', '.bdf', '.json'], channels: ['.tsv', '.json'], events: ['.tsv', '.json'], physio: ['.tsv.gz', '.json'], electrodes: ['.tsv', '.json'], coordsystem: ['.json'] },
  beh: { beh: ['.tsv', '.json'], events: ['.tsv', '.json'], physio: ['.tsv.gz', '.json'] },
};
const CHANNEL_TYPES = new Set(['EEG', 'EOG', 'ECG', 'EMG', 'EYEGAZE', 'GSR', 'HEOG', 'MISC', 'PUPIL', 'REF', 'RESP', 'SYSCLOCK', 'TEMP', 'TRIG', 'VEOG', 'PPG']);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function readTsv(path: string, problems: string[]): string[][] {
  const text = readFileSync(path, 'utf8');
  if (text.includes('\r')) problems.push(`${path}: CR line endings`);
  const rows = text.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
  rows.forEach((r, i) => {
    if (r.length !== rows[0]!.length) problems.push(`${path}: row ${i} has ${r.length} cells, header ${rows[0]!.length}`);
    if (r.some((c) => c === '')) problems.push(`${path}: row ${i} has an empty cell (use n/a)`);
  });
  return rows;
}

function json(path: string, problems: string[]): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    problems.push(`${path}: not JSON: ${(err as Error).message}`);
    return {};
  }
}

/** Returns the list of rule violations (empty when the folder follows the rules checked). */
export function checkBidsDataset(root: string): string[] {
  const problems: string[] = [];
  const desc = join(root, 'dataset_description.json');
  if (!existsSync(desc)) problems.push('dataset_description.json missing');
  else {
    const d = json(desc, problems);
    if (typeof d['Name'] !== 'string') problems.push('dataset_description.json: Name (REQUIRED) missing');
    if (typeof d['BIDSVersion'] !== 'string' || !/^\d+\.\d+\.\d+$/.test(d['BIDSVersion'] as string)) problems.push('dataset_description.json: BIDSVersion (REQUIRED) missing or not x.y.z');
  }
  const participants = existsSync(join(root, 'participants.tsv')) ? readTsv(join(root, 'participants.tsv'), problems) : null;
  if (participants && participants[0]![0] !== 'participant_id') problems.push('participants.tsv: first column must be participant_id');
  const listed = new Set((participants ?? []).slice(1).map((r) => r[0]));

  for (const path of walk(root)) {
    const rel = relative(root, path).split(sep);
    if (rel.length === 1) {
      if (!['dataset_description.json', 'participants.tsv', 'participants.json', 'README', 'README.md', 'CHANGES'].includes(rel[0]!)) problems.push(`${rel[0]}: unexpected top-level file`);
      continue;
    }
    const [subDir, sesDir, datatype, name] = rel.length === 4 ? rel : [rel[0], undefined, rel[1], rel[2]];
    const m = NAME_RE.exec(name ?? '');
    if (!m || !/^sub-[A-Za-z0-9]+$/.test(subDir ?? '') || (sesDir !== undefined && !/^ses-[A-Za-z0-9]+$/.test(sesDir))) {
      problems.push(`${rel.join('/')}: name does not follow sub-<label>[_ses-<label>]_task-<label>[...]_<suffix>.<ext>`);
      continue;
    }
    const [, sub, ses, , , , recording, suffix, ext] = m;
    if (`sub-${sub}` !== subDir) problems.push(`${name}: sub entity differs from its folder ${subDir}`);
    if ((ses === undefined) !== (sesDir === undefined) || (sesDir !== undefined && `ses-${ses}` !== sesDir)) problems.push(`${name}: ses entity differs from its folder`);
    if (participants && !listed.has(`sub-${sub}`)) problems.push(`participants.tsv does not list sub-${sub}`);
    const allowed = ALLOWED[datatype ?? ''];
    if (!allowed) {
      problems.push(`${rel.join('/')}: datatype folder "${datatype}" not checked by these rules`);
      continue;
    }
    if (!allowed[suffix!]?.includes(ext!)) problems.push(`${name}: suffix ${suffix} with ${ext} not allowed in ${datatype}/`);
    if (recording !== undefined && suffix !== 'physio') problems.push(`${name}: recording entity only on physio here`);
    const dir = join(root, ...rel.slice(0, -1));
    const base = name!.slice(0, -ext!.length);
    if (suffix === 'eeg' && (ext === '.edf' || ext === '.bdf')) {
      if (!existsSync(join(dir, `${base}.json`))) problems.push(`${name}: sidecar ${base}.json missing`);
      const chan = join(dir, `${base.replace(/_eeg$/, '')}_channels.tsv`);
      if (!existsSync(chan)) problems.push(`${name}: channels.tsv missing`);
    }
    if (suffix === 'eeg' && ext === '.json') {
      const j = json(path, problems);
      if (typeof j['TaskName'] !== 'string') problems.push(`${name}: TaskName (REQUIRED) missing`);
      if (!(typeof j['SamplingFrequency'] === 'number' && j['SamplingFrequency'] > 0)) problems.push(`${name}: SamplingFrequency (REQUIRED) not a positive number`);
      if (typeof j['EEGReference'] !== 'string') problems.push(`${name}: EEGReference (REQUIRED) missing`);
      if (!(typeof j['PowerLineFrequency'] === 'number' || j['PowerLineFrequency'] === 'n/a')) problems.push(`${name}: PowerLineFrequency (REQUIRED) not a number or n/a`);
      if (!((typeof j['SoftwareFilters'] === 'object' && j['SoftwareFilters'] !== null) || j['SoftwareFilters'] === 'n/a')) problems.push(`${name}: SoftwareFilters (REQUIRED) not an object or n/a`);
      for (const k of ['EEGChannelCount', 'RecordingDuration', 'RecordingType']) if (!(k in j)) problems.push(`${name}: ${k} (RECOMMENDED) missing`);
      if (j['RecordingType'] !== undefined && !['continuous', 'epoched', 'discontinuous'].includes(j['RecordingType'] as string)) problems.push(`${name}: RecordingType ${String(j['RecordingType'])}`);
    }
    if (suffix === 'channels') {
      const rows = readTsv(path, problems);
      if (rows[0]!.slice(0, 3).join(',') !== 'name,type,units') problems.push(`${name}: header must start name, type, units`);
      for (const r of rows.slice(1)) if (!CHANNEL_TYPES.has(r[1]!)) problems.push(`${name}: channel ${r[0]} has type ${r[1]}, not a BIDS type`);
      const names = rows.slice(1).map((r) => r[0]);
      if (new Set(names).size !== names.length) problems.push(`${name}: channel names not unique`);
    }
    if (suffix === 'events' && ext === '.tsv') {
      const rows = readTsv(path, problems);
      if (rows[0]![0] !== 'onset' || rows[0]![1] !== 'duration') problems.push(`${name}: header must start onset, duration`);
      for (const r of rows.slice(1)) {
        if (!Number.isFinite(Number(r[0]))) problems.push(`${name}: onset ${r[0]} not a number`);
        if (r[1] !== 'n/a' && !(Number(r[1]) >= 0)) problems.push(`${name}: duration ${r[1]} not >= 0 or n/a`);
      }
    }
    if (suffix === 'physio' && ext === '.tsv.gz') {
      const sidecar = join(dir, `${base}.json`);
      if (!existsSync(sidecar)) {
        problems.push(`${name}: sidecar ${base}.json missing`);
        continue;
      }
      const j = json(sidecar, problems);
      if (!(typeof j['SamplingFrequency'] === 'number' && j['SamplingFrequency'] > 0)) problems.push(`${base}.json: SamplingFrequency (REQUIRED) missing`);
      if (typeof j['StartTime'] !== 'number') problems.push(`${base}.json: StartTime (REQUIRED) missing`);
      const columns = j['Columns'];
      if (!Array.isArray(columns) || columns.length === 0) {
        problems.push(`${base}.json: Columns (REQUIRED) missing`);
        continue;
      }
      let lines: string[];
      try {
        lines = gunzipSync(readFileSync(path)).toString('utf8').replace(/\n$/, '').split('\n');
      } catch (err) {
        problems.push(`${name}: not gzip: ${(err as Error).message}`);
        continue;
      }
      lines.forEach((l, i) => {
        const cells = l.split('\t');
        if (cells.length !== columns.length) problems.push(`${name}: row ${i} has ${cells.length} columns, Columns lists ${columns.length}`);
        if (cells.some((c) => c !== 'n/a' && !Number.isFinite(Number(c)) && c !== '')) problems.push(`${name}: row ${i} is not numeric (a header line?)`);
      });
    }
  }
  return problems;
}
