// The Devices view's requests: ports (with the udevadm fallback warning), protocols, device
// profiles saved in the workspace, and per-device status pushed as events while a session runs.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEvent, RequestName } from '../../../src-main/api/contract.js';
import { SERIAL_PROTOCOL_NAMES } from '../../../src-main/acquisition/serial/registry.js';
import { devicesHandlers, publishDeviceStatus } from '../../../src-main/engine/devices-handlers.js';
import { WorkstationService, type RequestHandler } from '../../../src-main/engine/workstation-service.js';

const socatAvailable = () => spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

let ws: string;
let service: WorkstationService;

function handler<N extends RequestName>(name: N): RequestHandler<N> {
  const listPorts = async () => ({ ports: [{ path: '/dev/ttyUSB0', kind: 'usb' as const }], method: 'dev-scan' as const, warning: 'udevadm is not installed' });
  const h = devicesHandlers({ workspace: ws, listPorts })[name];
  if (!h) throw new Error(`no handler for ${name}`);
  return h as RequestHandler<N>;
}

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'himoe-devh-'));
  service = new WorkstationService({ planRecording: () => Promise.reject(new Error('no recording in this test')), handlers: devicesHandlers({ workspace: ws }) });
});

afterEach(async () => {
  await service.shutdown();
  rmSync(ws, { recursive: true, force: true });
});

describe('devices handlers', () => {
  it('lists ports with the fallback warning, every serial protocol and the saved profiles', async () => {
    await handler('devices.saveProfile')({ name: 'lab-cyton', source: 'cyton:/dev/ttyUSB0', notes: 'cap 2' }, service);

    const r = await handler('devices.list')({}, service);

    expect(r.ports.map((p) => p.path)).toEqual(['/dev/ttyUSB0']);
    expect(r.portMethod).toBe('dev-scan');
    expect(r.portWarning).toMatch(/udevadm/);
    expect(r.protocols.map((p) => p.name)).toEqual([...SERIAL_PROTOCOL_NAMES]);
    expect(r.profiles).toMatchObject([{ name: 'lab-cyton', source: 'cyton:/dev/ttyUSB0', notes: 'cap 2' }]);
  });

  it('saves a profile in the workspace only when its spec reads as a recording would, and removes it', async () => {
    await expect(handler('devices.saveProfile')({ name: 'bad', source: 'cyton:/dev/ttyUSB0:gain=7', notes: '' }, service)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(handler('devices.saveProfile')({ name: 'loop', source: '@lab', notes: '' }, service)).rejects.toMatchObject({ code: 'BAD_SOURCE_SPEC' });
    await handler('devices.saveProfile')({ name: 'bit', source: 'bitalino:/dev/rfcomm0:ecg=A2', notes: '' }, service);
    expect(JSON.parse(readFileSync(join(ws, 'devices.json'), 'utf8')).profiles.map((p: { name: string }) => p.name)).toEqual(['bit']);

    const removed = await handler('devices.removeProfile')({ name: 'bit' }, service);
    const again = await handler('devices.removeProfile')({ name: 'bit' }, service);

    expect(removed.removed).toBe(true);
    expect(again.removed).toBe(false);
    expect((await handler('devices.list')({}, service)).profiles).toEqual([]);
  });

  it('pushes per-device status about every interval while a session runs, and stops after it', async () => {
    const events: Array<Extract<ApiEvent, { kind: 'deviceStatus' }>> = [];
    service.onEvent((e) => {
      if (e.kind === 'deviceStatus') events.push(e);
    });
    const detach = publishDeviceStatus(service, 200);
    expect((await service.call('devices.status', {})).running).toBe(false);

    await service.call('session.start', { source: 'synthetic', modalities: ['EDA', 'ECG'], seed: 3, record: false, subject: '', notes: '' });
    await new Promise((r) => setTimeout(r, 1500));
    const snap = await service.call('devices.status', {});
    await service.call('session.stop', {});
    const countAtStop = events.length;
    await new Promise((r) => setTimeout(r, 500));
    detach();

    expect(countAtStop).toBeGreaterThanOrEqual(4);
    expect(events.length).toBe(countAtStop);
    // The fourth push (~0.8 s in) is mid-session; the last ones may show the devices stopping.
    const mid = events[3]!.devices;
    const eda = mid.flatMap((d) => d.streams.map((s) => ({ ...s, connected: d.connected }))).find((s) => s.type === 'EDA')!;
    expect(eda.connected).toBe(true);
    expect(eda.measuredRateHz).toBeGreaterThan(eda.nominalRateHz * 0.5);
    expect(eda.measuredRateHz).toBeLessThan(eda.nominalRateHz * 1.5);
    expect(eda.lastSampleAgeSec).not.toBeNull();
    expect(snap.running).toBe(true);
    expect(snap.devices.some((d) => d.streams.some((s) => s.type === 'ECG'))).toBe(true);
    // Derived QUALITY streams (one report a second) exist by now but are not devices.
    expect(snap.devices.flatMap((d) => d.streams).some((s) => s.type === 'QUALITY')).toBe(false);
  });
});

describe('connecting devices from the UI (session.start sources)', () => {
  const startParams = { source: 'synthetic' as const, modalities: ['EEG' as const], seed: 2, record: false, subject: '', notes: '' };

  it('records only the devices named by the specs (a synthetic spec with its own modalities)', async () => {
    await service.call('session.start', { ...startParams, sources: ['synthetic:eda,ecg'] });
    const types = service.status().streams.map((s) => s.type);
    await service.call('session.stop', {});

    expect(types).toContain('EDA');
    expect(types).toContain('ECG');
    expect(types).not.toContain('EEG');
  });

  it('refuses playback files and malformed specs from the UI, leaving no session running', async () => {
    await expect(service.call('session.start', { ...startParams, sources: ['playback:/etc/passwd'] })).rejects.toMatchObject({ code: 'BAD_SOURCE_SPEC' });
    await expect(service.call('session.start', { ...startParams, sources: ['cyton:/dev/ttyUSB0:gain=7'] })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    expect(service.status().state).toBe('idle');
  });

  it.skipIf(!socatAvailable())('streams a serial text device over a socat pseudo-terminal with its status pushed as events', async () => {
    const dev = join(ws, 'dev');
    const emu = join(ws, 'emu');
    const socat = spawn('socat', [`pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${emu}`], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(existsSync(dev) && existsSync(emu)); i++) await new Promise((r) => setTimeout(r, 20));
      const fd = openSync(emu, 'w');
      let n = 0;
      const writer = setInterval(() => writeSync(fd, `${n},${(n++ % 50) / 10}\n`), 20);
      const events: Array<Extract<ApiEvent, { kind: 'deviceStatus' }>> = [];
      service.onEvent((e) => {
        if (e.kind === 'deviceStatus') events.push(e);
      });
      const detach = publishDeviceStatus(service, 250);
      try {
        await service.call('session.start', { ...startParams, sources: [`text:${dev}:columns=eda:uS;rate=50;counter=0;id=diy-eda`] });
        await new Promise((r) => setTimeout(r, 2000));
        const stats = service.status().stats.find((s) => s.streamId.startsWith('diy-eda'));
        await service.call('session.stop', {});

        expect(stats?.receivedSamples).toBeGreaterThan(40);
        const connected = events.filter((e) => e.devices.some((d) => d.sourceId === 'diy-eda' && d.connected));
        expect(connected.length).toBeGreaterThanOrEqual(4);
        const device = connected.at(-1)?.devices.find((d) => d.sourceId === 'diy-eda');
        expect(device?.streams[0]?.nominalRateHz).toBe(50);
        expect(device?.streams[0]?.measuredRateHz).toBeGreaterThan(25);
      } finally {
        clearInterval(writer);
        detach();
        closeSync(fd);
      }
    } finally {
      socat.kill('SIGTERM');
    }
  });
});
