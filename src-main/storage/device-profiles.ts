// Device profiles of a workspace (<ws>/devices.json): named --source specs a lab reuses
// ("lab-cyton" = cyton:/dev/ttyUSB0:gain=24). The CLI and app validate a spec before saving it;
// this module only stores, lists and removes them, atomically.

import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkspaceError } from './workspace.js';

export const DEVICE_PROFILES_FILE = 'devices.json';
const FORMAT_VERSION = 1;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface DeviceProfile {
  /** Short name: letters, digits, '.', '_', '-'. */
  name: string;
  /** The --source spec, e.g. "bitalino:/dev/rfcomm0:ecg=A2,eda=A3". */
  source: string;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export function deviceProfilesPath(ws: string): string {
  return join(ws, DEVICE_PROFILES_FILE);
}

function badFile(path: string, what: string): WorkspaceError {
  return new WorkspaceError('BAD_DEVICE_PROFILES', `${path}: ${what}`, { path });
}

/** The workspace's profiles, sorted by name; none when the file does not exist. */
export async function readDeviceProfiles(ws: string): Promise<DeviceProfile[]> {
  const path = deviceProfilesPath(ws);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new WorkspaceError('IO_FAILED', `${path}: cannot read: ${(err as Error).message}`, { path }, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw badFile(path, `not valid JSON (${(err as Error).message})`);
  }
  const profiles = (doc as { profiles?: unknown })?.profiles;
  if (!Array.isArray(profiles)) throw badFile(path, 'expected {"version": 1, "profiles": [...]}');
  return profiles.map((p: unknown, i: number) => {
    const r = p as Partial<DeviceProfile>;
    if (typeof r?.name !== 'string' || typeof r.source !== 'string') throw badFile(path, `profiles[${i}] needs string "name" and "source"`);
    return { name: r.name, source: r.source, notes: typeof r.notes === 'string' ? r.notes : '', createdAt: String(r.createdAt ?? ''), updatedAt: String(r.updatedAt ?? '') };
  });
}

async function writeProfiles(ws: string, profiles: DeviceProfile[]): Promise<void> {
  await mkdir(ws, { recursive: true });
  const path = deviceProfilesPath(ws);
  const tmp = `${path}.tmp`;
  const sorted = [...profiles].sort((a, b) => a.name.localeCompare(b.name));
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(`${JSON.stringify({ version: FORMAT_VERSION, profiles: sorted }, null, 2)}\n`, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** Adds or replaces the profile `name` (keeping its creation time). */
export async function saveDeviceProfile(ws: string, input: { name: string; source: string; notes?: string }, now: Date = new Date()): Promise<DeviceProfile> {
  if (!NAME_PATTERN.test(input.name)) {
    throw new WorkspaceError('BAD_PROFILE_NAME', `device profile name "${input.name}" may use letters, digits, ".", "_" and "-" (up to 64)`, { name: input.name });
  }
  if (input.source.trim() === '') throw new WorkspaceError('BAD_PROFILE', `device profile "${input.name}" has an empty source spec`, { name: input.name });
  const profiles = await readDeviceProfiles(ws);
  const stamp = now.toISOString();
  const old = profiles.find((p) => p.name === input.name);
  const profile: DeviceProfile = { name: input.name, source: input.source.trim(), notes: input.notes ?? old?.notes ?? '', createdAt: old?.createdAt ?? stamp, updatedAt: stamp };
  await writeProfiles(ws, [...profiles.filter((p) => p.name !== input.name), profile]);
  return profile;
}

/** Removes the profile; false when there was none of that name. */
export async function removeDeviceProfile(ws: string, name: string): Promise<boolean> {
  const profiles = await readDeviceProfiles(ws);
  const kept = profiles.filter((p) => p.name !== name);
  if (kept.length === profiles.length) return false;
  await writeProfiles(ws, kept);
  return true;
}

/** The profile called `name`, or a NO_SUCH_PROFILE error listing the known ones. */
export async function getDeviceProfile(ws: string, name: string): Promise<DeviceProfile> {
  const profiles = await readDeviceProfiles(ws);
  const p = profiles.find((x) => x.name === name);
  if (!p) {
    throw new WorkspaceError('NO_SUCH_PROFILE', `no device profile "${name}" in ${deviceProfilesPath(ws)}; known: ${profiles.map((x) => x.name).join(', ') || '(none)'}`, { name });
  }
  return p;
}
