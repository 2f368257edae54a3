// `himoe devices`: serial ports on this machine (with a /dev scan when udevadm is missing),
// the serial protocols and --source kinds the workstation speaks, whether BrainFlow is
// installed, and the workspace's device profiles (`devices add|remove NAME`).

import type { Command } from 'commander';
import { resolveBrainFlow, BRAINFLOW_INSTALL_HINT } from '../acquisition/brainflow/loader.js';
import { listSerialPorts, type PortListing } from '../acquisition/serial/ports.js';
import { protocolFor, SERIAL_PROTOCOL_NAMES } from '../acquisition/serial/registry.js';
import { parseSourceSpec } from '../acquisition/source-spec.js';
import { readDeviceProfiles, removeDeviceProfile, saveDeviceProfile, type DeviceProfile } from '../storage/device-profiles.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';

export interface ProtocolEntry {
  name: string;
  baudRate: number | null;
  example: string;
  description: string;
}

const PROTOCOL_DOCS: Record<string, { example: string; description: string }> = {
  cyton: { example: 'cyton:/dev/ttyUSB0', description: 'OpenBCI Cyton, 8-ch EEG at 250 Hz (+ accelerometer)' },
  'cyton-daisy': { example: 'cyton-daisy:/dev/ttyUSB0', description: 'OpenBCI Cyton + Daisy, 16-ch EEG at 125 Hz' },
  bitalino: { example: 'bitalino:/dev/rfcomm0:ecg=A2,eda=A3,rate=1000', description: 'BITalino (r)evolution, A1-A6 at 1/10/100/1000 Hz, ECG/EEG in uV, EDA in uS' },
  text: { example: 'text:/dev/ttyACM0:columns=eda:uS,ecg:mV;rate=100', description: 'line-based text from DIY sensors (Arduino): columns, rate, optional device timestamp' },
  himoe: { example: 'himoe:/dev/ttyACM0', description: 'HiMoE framed binary protocol of the reference firmware in native/ (EDA + ECG + PPG)' },
};

export interface DevicesReport {
  ports: PortListing;
  protocols: ProtocolEntry[];
  otherSources: Array<{ kind: string; example: string; description: string }>;
  brainflow: { installed: boolean; path: string | null; hint?: string };
  profiles?: DeviceProfile[];
}

/** Gathers what `himoe devices` shows (exported for the app's device panel). */
export async function devicesReport(workspace?: string): Promise<DevicesReport> {
  const ports = await listSerialPorts();
  const protocols = SERIAL_PROTOCOL_NAMES.map((name) => {
    let baudRate: number | null = null;
    try {
      baudRate = protocolFor(name, name === 'text' ? { columns: 'x:a.u.', rate: '1' } : name === 'bitalino' ? { ecg: 'A1' } : {}).baudRate;
    } catch {
      baudRate = null;
    }
    const doc = PROTOCOL_DOCS[name] ?? { example: `${name}:PORT`, description: '' };
    return { name, baudRate, ...doc };
  });
  const bfPath = resolveBrainFlow();
  const report: DevicesReport = {
    ports,
    protocols,
    otherSources: [
      { kind: 'synthetic', example: 'synthetic:eda,ecg', description: 'embedded synthetic physiology (seeded subject)' },
      { kind: 'brainflow', example: 'brainflow:-1 | brainflow:CYTON_BOARD:serial_port=/dev/ttyUSB0', description: 'any BrainFlow board (needs `npm install brainflow`)' },
      { kind: 'playback', example: 'playback:session.xdf:speed=4', description: 'replay a recorded XDF session as live streams' },
    ],
    brainflow: bfPath ? { installed: true, path: bfPath } : { installed: false, path: null, hint: BRAINFLOW_INSTALL_HINT },
  };
  if (workspace !== undefined) report.profiles = await readDeviceProfiles(workspace);
  return report;
}

export function formatDevicesReport(r: DevicesReport): string {
  const lines: string[] = [];
  lines.push(`Serial ports (${r.ports.method === 'serialport' ? 'from the system' : 'scanned in /dev'}):`);
  if (r.ports.warning) lines.push(`  note: ${r.ports.warning}`);
  if (r.ports.ports.length === 0) lines.push('  (none found)');
  for (const p of r.ports.ports) {
    const extra = [p.manufacturer, p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : undefined, p.serialNumber, p.byId].filter(Boolean).join(', ');
    lines.push(`  ${p.path.padEnd(22)} ${p.kind.padEnd(9)} ${extra}`.trimEnd());
  }
  lines.push('', 'Serial protocols (--source PROTOCOL:PORT[:options]):');
  for (const p of r.protocols) lines.push(`  ${p.name.padEnd(12)} ${p.description}${p.baudRate ? ` [${p.baudRate} baud]` : ''}\n  ${''.padEnd(12)} e.g. --source ${p.example}`);
  lines.push('', 'Other sources:');
  for (const s of r.otherSources) lines.push(`  ${s.kind.padEnd(12)} ${s.description}\n  ${''.padEnd(12)} e.g. --source ${s.example}`);
  lines.push('', r.brainflow.installed ? `BrainFlow: installed (${r.brainflow.path})` : `BrainFlow: not installed. ${r.brainflow.hint}`);
  if (r.profiles) {
    lines.push('', 'Device profiles (use with --source @NAME):');
    if (r.profiles.length === 0) lines.push('  (none; add one with `himoe devices add NAME SPEC --workspace DIR`)');
    for (const p of r.profiles) lines.push(`  ${p.name.padEnd(16)} ${p.source}${p.notes ? `  # ${p.notes}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Checks a spec the way `record` would read it (protocol options included) before it is saved. */
function validateSpec(spec: string): void {
  const parsed = parseSourceSpec(spec);
  if (parsed.kind === 'serial') protocolFor(parsed.protocol, parsed.options);
}

export function registerDevicesCommands(program: Command, io: CliIo): void {
  const devices = program
    .command('devices')
    .description('list serial ports, supported protocols and source kinds, BrainFlow, and the workspace\'s device profiles')
    .option('--json', 'print JSON', false)
    .option('--workspace <dir>', 'also list the device profiles saved in this workspace')
    .action(async (opts: { json: boolean; workspace?: string }) => {
      const r = await devicesReport(opts.workspace);
      io.stdout(opts.json ? `${JSON.stringify(r)}\n` : formatDevicesReport(r));
    });
  // `--workspace` after a subcommand may be taken by the parent command's option of that name.
  const workspaceOf = (opts: { workspace?: string }): string => {
    const ws = opts.workspace ?? (devices.opts() as { workspace?: string }).workspace;
    if (ws === undefined) throw new CliError('BAD_FLAG', '--workspace DIR is required: device profiles are saved in a workspace');
    return ws;
  };

  devices
    .command('add')
    .description('save a device profile: a named --source spec, used as --source @NAME with --workspace')
    .argument('<name>', 'profile name (letters, digits, ".", "_", "-")')
    .argument('<spec>', 'source spec, e.g. bitalino:/dev/rfcomm0:ecg=A2,eda=A3')
    .option('--workspace <dir>', 'workspace folder (required)')
    .option('--notes <text>', 'free-text notes (electrode placement, serial number)')
    .action(async (name: string, spec: string, opts: { workspace?: string; notes?: string }) => {
      const ws = workspaceOf(opts);
      if (spec.startsWith('@')) throw new CliError('BAD_ARGUMENT', `a profile cannot point at another profile ("${spec}")`);
      validateSpec(spec);
      const p = await saveDeviceProfile(ws, { name, source: spec, notes: opts.notes });
      io.stdout(`saved device profile ${p.name}: ${p.source}\n`);
    });

  devices
    .command('remove')
    .description('delete a device profile')
    .argument('<name>', 'profile name')
    .option('--workspace <dir>', 'workspace folder (required)')
    .action(async (name: string, opts: { workspace?: string }) => {
      const ws = workspaceOf(opts);
      if (!(await removeDeviceProfile(ws, name))) throw new CliError('NO_SUCH_PROFILE', `no device profile "${name}" in ${ws}`);
      io.stdout(`removed device profile ${name}\n`);
    });
}
