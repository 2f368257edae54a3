// The Devices view's requests: serial ports and protocols, the workspace's device profiles,
// per-device status; and the publisher that pushes that status as a 'deviceStatus' event about
// once a second while a session runs (DeviceStatusMonitor over the running SessionEngine).

import { listSerialPorts, type PortListing } from '../acquisition/serial/ports.js';
import { protocolFor, SERIAL_PROTOCOL_NAMES } from '../acquisition/serial/registry.js';
import { parseSourceSpec } from '../acquisition/source-spec.js';
import type { ApiDeviceStatus } from '../api/requests-devices.js';
import { readDeviceProfiles, removeDeviceProfile, saveDeviceProfile, type DeviceProfile } from '../storage/device-profiles.js';
import { DeviceStatusMonitor } from './device-status.js';
import { EngineError } from './errors.js';
import type { SessionEngine } from './session-engine.js';
import type { RequestHandlers, WorkstationService } from './workstation-service.js';

export interface ProtocolDoc {
  name: string;
  baudRate: number | null;
  example: string;
  description: string;
}

/** What `himoe devices` gathers (cli/commands-devices.ts devicesReport), injected to reuse its protocol docs. */
export type DevicesReporter = (workspace: string) => Promise<{
  ports: PortListing;
  protocols: ProtocolDoc[];
  otherSources: Array<{ kind: string; example: string; description: string }>;
  brainflow: { installed: boolean; path: string | null; hint?: string };
  profiles?: DeviceProfile[];
}>;

export interface DevicesHandlerOptions {
  workspace: string;
  /** Full report with protocol descriptions; without it ports, bare protocol names and profiles are listed here. */
  report?: DevicesReporter;
  /** Port lister for tests (default: the system's, falling back to a /dev scan). */
  listPorts?: () => Promise<PortListing>;
}

const monitors = new WeakMap<SessionEngine, DeviceStatusMonitor>();

function monitorFor(engine: SessionEngine): DeviceStatusMonitor {
  let m = monitors.get(engine);
  if (!m) {
    m = new DeviceStatusMonitor(engine);
    monitors.set(engine, m);
  }
  return m;
}

/**
 * The monitor's snapshot with each source's current state from the engine (it may have attached
 * after start). Only the engine's sources are devices: derived streams (QUALITY) are left out.
 */
export function deviceStatusOf(engine: SessionEngine): ApiDeviceStatus[] {
  const states = new Map(engine.sourceSummaries().map((s) => [s.id, s]));
  return monitorFor(engine)
    .snapshot()
    .filter((d) => states.has(d.sourceId))
    .map((d) => {
      const src = states.get(d.sourceId);
      const state = src?.state ?? d.state;
      return { ...d, label: src?.label ?? d.label, state, connected: state === 'running' };
    });
}

/** Checks a spec the way a recording would read it (protocol options included). */
function validateSourceSpec(spec: string): void {
  if (spec.trim().startsWith('@')) throw new EngineError('BAD_SOURCE_SPEC', `a profile cannot point at another profile ("${spec}")`);
  const parsed = parseSourceSpec(spec);
  if (parsed.kind === 'serial') protocolFor(parsed.protocol, parsed.options);
}

export function devicesHandlers(opts: DevicesHandlerOptions): RequestHandlers {
  const ws = opts.workspace;
  return {
    'devices.list': async () => {
      const profiles = await readDeviceProfiles(ws);
      if (opts.report && !opts.listPorts) {
        const r = await opts.report(ws);
        return { ports: r.ports.ports, portMethod: r.ports.method, portWarning: r.ports.warning ?? null, protocols: r.protocols, profiles, otherSources: r.otherSources, brainflow: r.brainflow };
      }
      const ports = await (opts.listPorts ?? listSerialPorts)();
      const protocols = SERIAL_PROTOCOL_NAMES.map((name) => ({ name, baudRate: null, example: `${name}:PORT`, description: '' }));
      return { ports: ports.ports, portMethod: ports.method, portWarning: ports.warning ?? null, protocols, profiles, otherSources: [], brainflow: null };
    },
    'devices.saveProfile': async (p) => {
      validateSourceSpec(p.source);
      return saveDeviceProfile(ws, { name: p.name, source: p.source, notes: p.notes });
    },
    'devices.removeProfile': async (p) => ({ removed: await removeDeviceProfile(ws, p.name) }),
    'devices.status': async (_p, service) => {
      const engine = service.engine;
      return engine ? { running: true, devices: deviceStatusOf(engine) } : { running: false, devices: [] };
    },
  };
}

/**
 * Pushes a 'deviceStatus' event every `intervalMs` while a session of `service` runs: attaches a
 * DeviceStatusMonitor when a session starts and disposes it when it stops. Returns a detach function.
 */
export function publishDeviceStatus(service: WorkstationService, intervalMs = 1000): () => void {
  let current: SessionEngine | null = null;
  const detach = () => {
    if (!current) return;
    monitors.get(current)?.dispose();
    monitors.delete(current);
    current = null;
  };
  const off = service.onEvent((e) => {
    if (e.kind !== 'session') return;
    detach();
    const engine = service.engine;
    if (e.state !== 'started' || !engine) return;
    current = engine;
    // The monitor also publishes at every source state change (a device unplugged shows at once).
    monitorFor(engine).subscribe(() => service.emit({ kind: 'deviceStatus', devices: deviceStatusOf(engine) }), intervalMs);
  });
  return () => {
    off();
    detach();
  };
}
