// `himoe devices`: ports (a missing udevadm is a note, not a crash), protocols, BrainFlow
// status, device profiles saved in the workspace and used by `record --source @NAME`.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSerialPorts, scanDevDirectory } from '../../../src-main/acquisition/serial/ports.js';
import { expandProfiles } from '../../../src-main/cli/record.js';
import { readDeviceProfiles } from '../../../src-main/storage/device-profiles.js';
import { himoe } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'himoe-devices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('serial port listing', () => {
  it('falls back to scanning the device folder when the system listing fails (udevadm missing)', async () => {
    const dev = join(dir, 'dev');
    mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
    for (const f of ['ttyUSB0', 'ttyACM1', 'rfcomm0', 'ttyS0', 'ttyS12', 'null', 'tty5']) writeFileSync(join(dev, f), '');
    const listing = await listSerialPorts({
      devDir: dev,
      lister: () => Promise.reject(new Error('spawn udevadm ENOENT')),
    });
    expect(listing.method).toBe('dev-scan');
    expect(listing.warning).toMatch(/udevadm is not installed/);
    expect(listing.ports.map((p) => [p.path.slice(dev.length + 1), p.kind])).toEqual([
      ['rfcomm0', 'bluetooth'],
      ['ttyACM1', 'acm'],
      ['ttyS0', 'builtin'],
      ['ttyUSB0', 'usb'],
    ]);
  });

  it('uses the system listing with vendor details when it works', async () => {
    const listing = await listSerialPorts({ lister: async () => [{ path: '/dev/ttyUSB0', manufacturer: 'FTDI', vendorId: '0403', productId: '6015' }] });
    expect(listing).toEqual({ method: 'serialport', ports: [{ path: '/dev/ttyUSB0', kind: 'usb', manufacturer: 'FTDI', vendorId: '0403', productId: '6015' }] });
  });

  it('scans an absent folder to an empty list', () => {
    expect(scanDevDirectory(join(dir, 'no-such-dev'))).toEqual([]);
  });
});

describe('himoe devices', () => {
  it('--json lists ports without crashing here, every serial protocol, and the BrainFlow status with its install hint', async () => {
    const r = await himoe('devices', '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(['serialport', 'dev-scan']).toContain(report.ports.method);
    expect(report.protocols.map((p: { name: string }) => p.name)).toEqual(['cyton', 'cyton-daisy', 'bitalino', 'text', 'himoe']);
    expect(report.protocols.find((p: { name: string }) => p.name === 'cyton').baudRate).toBe(115200);
    if (!report.brainflow.installed) expect(report.brainflow.hint).toMatch(/npm install brainflow/);
  });

  it('prints a readable table', async () => {
    const r = await himoe('devices');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Serial ports/);
    expect(r.out).toMatch(/--source bitalino:\/dev\/rfcomm0:ecg=A2/);
  });

  it('saves, lists and removes device profiles in the workspace, validating the spec first', async () => {
    const ws = join(dir, 'ws');
    const add = await himoe('devices', 'add', 'lab-eda', 'text:/dev/ttyACM0:columns=eda:uS;rate=50', '--workspace', ws, '--notes', 'left hand');
    expect(add.code, add.err).toBe(0);
    const bad = await himoe('devices', 'add', 'broken', 'bitalino:/dev/rfcomm0:ecg=Z9', '--workspace', ws);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/ecg/);
    const profiles = await readDeviceProfiles(ws);
    expect(profiles.map((p) => [p.name, p.source, p.notes])).toEqual([['lab-eda', 'text:/dev/ttyACM0:columns=eda:uS;rate=50', 'left hand']]);
    const listed = JSON.parse((await himoe('devices', '--json', '--workspace', ws)).out);
    expect(listed.profiles[0].name).toBe('lab-eda');
    expect(await expandProfiles(['@lab-eda', 'synthetic:ecg'], ws)).toEqual(['text:/dev/ttyACM0:columns=eda:uS;rate=50', 'synthetic:ecg']);
    await expect(expandProfiles(['@nope'], ws)).rejects.toThrow(/no device profile "nope".*known: lab-eda/);
    expect((await himoe('devices', 'remove', 'lab-eda', '--workspace', ws)).code).toBe(0);
    expect(await readDeviceProfiles(ws)).toEqual([]);
    expect((await himoe('devices', 'remove', 'lab-eda', '--workspace', ws)).code).toBe(1);
  });
});
