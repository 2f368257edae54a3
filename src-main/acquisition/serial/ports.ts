// Serial port discovery for `himoe devices` and the device panel: asks `serialport` first and,
// when that fails (on Linux it shells out to udevadm, missing in containers), scans /dev itself.

import { readdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SerialPort } from 'serialport';

export interface SerialPortInfo {
  path: string;
  /** usb (ttyUSB, FTDI/CH340 adapters such as the OpenBCI dongle), acm (CDC, Arduino), bluetooth (rfcomm), builtin (ttyS), other. */
  kind: 'usb' | 'acm' | 'bluetooth' | 'builtin' | 'other';
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** Stable name from /dev/serial/by-id when present. */
  byId?: string;
}

export interface PortListing {
  ports: SerialPortInfo[];
  /** How the list was made: the serialport library, or a scan of /dev after it failed. */
  method: 'serialport' | 'dev-scan';
  /** Why the fallback was used (e.g. "spawn udevadm ENOENT"). */
  warning?: string;
}

export type PortLister = () => Promise<Array<{ path: string; manufacturer?: string; serialNumber?: string; vendorId?: string; productId?: string }>>;

const DEV_PATTERNS: Array<[RegExp, SerialPortInfo['kind']]> = [
  [/^ttyUSB\d+$/, 'usb'],
  [/^ttyACM\d+$/, 'acm'],
  [/^rfcomm\d+$/, 'bluetooth'],
  [/^ttyS\d+$/, 'builtin'],
  [/^cu\..+$/, 'other'],
];

export function portKind(path: string): SerialPortInfo['kind'] {
  const name = path.split('/').pop() ?? path;
  for (const [re, kind] of DEV_PATTERNS) if (re.test(name)) return kind;
  return 'other';
}

/** Map of resolved device path -> /dev/serial/by-id name. */
function byIdNames(devDir: string): Map<string, string> {
  const names = new Map<string, string>();
  const dir = join(devDir, 'serial', 'by-id');
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return names;
  }
  for (const e of entries) {
    try {
      names.set(resolve(dir, readlinkSync(join(dir, e))), e);
    } catch {
      // not a link: ignore
    }
  }
  return names;
}

/**
 * Candidate serial devices found by name in `devDir`: ttyUSB*, ttyACM*, rfcomm*, cu.* (macOS),
 * and the first four ttyS* (most of the 32 legacy ttyS nodes have no UART behind them).
 */
export function scanDevDirectory(devDir = '/dev'): SerialPortInfo[] {
  let entries: string[];
  try {
    entries = readdirSync(devDir);
  } catch {
    return [];
  }
  const byId = byIdNames(devDir);
  const out: SerialPortInfo[] = [];
  for (const name of entries) {
    const kind = DEV_PATTERNS.find(([re]) => re.test(name))?.[1];
    if (!kind) continue;
    if (kind === 'builtin' && Number(name.slice(4)) > 3) continue;
    const path = join(devDir, name);
    const info: SerialPortInfo = { path, kind };
    const id = byId.get(path);
    if (id) info.byId = id;
    out.push(info);
  }
  return out.sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true }));
}

const defaultLister: PortLister = () => SerialPort.list();

/** Lists serial ports; never rejects: a failing serialport listing falls back to a /dev scan. */
export async function listSerialPorts(opts: { lister?: PortLister; devDir?: string } = {}): Promise<PortListing> {
  const lister = opts.lister ?? defaultLister;
  try {
    const raw = await lister();
    const ports = raw.map((p) => {
      const info: SerialPortInfo = { path: p.path, kind: portKind(p.path) };
      if (p.manufacturer) info.manufacturer = p.manufacturer;
      if (p.serialNumber) info.serialNumber = p.serialNumber;
      if (p.vendorId) info.vendorId = p.vendorId;
      if (p.productId) info.productId = p.productId;
      return info;
    });
    return { ports, method: 'serialport' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      ports: scanDevDirectory(opts.devDir),
      method: 'dev-scan',
      warning: `the serialport listing failed (${reason}${/udevadm/.test(reason) ? '; udevadm is not installed' : ''}); listed device nodes found in ${opts.devDir ?? '/dev'} instead, without vendor details`,
    };
  }
}
