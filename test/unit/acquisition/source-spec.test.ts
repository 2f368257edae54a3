// --source specs: parsing every kind (with options that contain ':' and ','), clear errors for
// bad specs, and building one session's sources on the right clock.

import { describe, expect, it } from 'vitest';
import { createSourceSet, HOST_CLOCK, parseSourceSpec } from '../../../src-main/acquisition/source-spec.js';
import { resolveBrainFlow } from '../../../src-main/acquisition/brainflow/loader.js';
import { SerialSource } from '../../../src-main/acquisition/serial/serial-source.js';
import { main } from '../../../src-main/cli/main.js';
import { SourceError } from '../../../src-main/core/errors.js';
import { LineTestProtocol } from '../../integration/serial-harness.js';

describe('parseSourceSpec', () => {
  it('reads synthetic with and without modalities', () => {
    expect(parseSourceSpec('synthetic')).toEqual({ kind: 'synthetic', text: 'synthetic', modalities: null });
    expect(parseSourceSpec('synthetic:eda')).toMatchObject({ modalities: ['EDA'] });
    expect(parseSourceSpec('synthetic:eda,ecg+eda')).toMatchObject({ modalities: ['EDA', 'ECG'] });
  });

  it('reads serial protocols with their port and options', () => {
    expect(parseSourceSpec('cyton:/dev/ttyUSB0')).toEqual({ kind: 'serial', text: 'cyton:/dev/ttyUSB0', protocol: 'cyton', path: '/dev/ttyUSB0', options: {} });
    expect(parseSourceSpec('bitalino:/dev/rfcomm0:ecg=A2,eda=A3')).toMatchObject({ protocol: 'bitalino', path: '/dev/rfcomm0', options: { ecg: 'A2', eda: 'A3' } });
    // a text column spec holds ':' and ',' of its own
    expect(parseSourceSpec('text:/dev/ttyACM0:columns=ecg:mV,eda:uS;rate=100')).toMatchObject({
      protocol: 'text',
      path: '/dev/ttyACM0',
      options: { columns: 'ecg:mV,eda:uS', rate: '100' },
    });
    expect(parseSourceSpec('cyton:COM3:id=lab-eeg')).toMatchObject({ path: 'COM3', id: 'lab-eeg', options: {} });
  });

  it('reads brainflow boards with input params, a MAC address keeping its colons', () => {
    expect(parseSourceSpec('brainflow:-1')).toMatchObject({ kind: 'brainflow', board: '-1', options: {} });
    expect(parseSourceSpec('brainflow:MUSE_S_BOARD:mac_address=00:55:DA:B0:1E:2F,timeout=10')).toMatchObject({
      board: 'MUSE_S_BOARD',
      options: { mac_address: '00:55:DA:B0:1E:2F', timeout: '10' },
    });
  });

  it('reads playback with speed and timestamp mode, and Windows drive letters', () => {
    expect(parseSourceSpec('playback:/data/s1.xdf:speed=4')).toMatchObject({ kind: 'playback', file: '/data/s1.xdf', speed: 4, timestamps: null });
    expect(parseSourceSpec('playback:C:\\rec\\s1.xdf:timestamps=original')).toMatchObject({ file: 'C:\\rec\\s1.xdf', timestamps: 'original' });
  });

  it.each([
    ['', /empty/],
    ['muse:/dev/x', /unknown source "muse"/],
    ['cyton', /missing the port/],
    ['synthetic:emg', /unknown modality "emg"/],
    ['playback:/x.xdf:speed=fast', /speed=fast/],
    ['playback:/x.xdf:loop=1', /unknown playback option "loop"/],
    ['brainflow', /missing the board/],
  ])('rejects %j with a SourceError naming what was expected', (text, message) => {
    const err = (() => {
      try {
        parseSourceSpec(text);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('BAD_SOURCE_SPEC');
    expect((err as SourceError).message).toMatch(message);
  });
});

describe('createSourceSet', () => {
  it('runs a lone synthetic session on its own fast clock and merges synthetic specs into one subject', async () => {
    const set = await createSourceSet([parseSourceSpec('synthetic:eda'), parseSourceSpec('synthetic:ecg')], { durationSec: 2 });
    expect(set.pacing).toBe('fast');
    expect(set.clock).not.toBe(HOST_CLOCK);
    expect(set.sources.map((s) => s.id)).toEqual(['synthetic-ecg', 'synthetic-eda', 'synthetic-stimulus']);
    expect(set.finished).not.toBeNull();
    await Promise.all(set.sources.map((s) => s.release()));
  });

  it('puts devices and synthetic data on the host clock in real time, with unique device ids', async () => {
    const protocolFor = () => new LineTestProtocol(100);
    const set = await createSourceSet(
      [parseSourceSpec('synthetic:eda'), parseSourceSpec('text:/dev/ttyX:columns=a:uS;rate=100'), parseSourceSpec('text:/dev/ttyX:columns=a:uS;rate=100')],
      { durationSec: 5, protocolFor },
    );
    expect(set.pacing).toBe('realtime');
    expect(set.clock).toBe(HOST_CLOCK);
    const serial = set.sources.filter((s): s is SerialSource => s instanceof SerialSource);
    expect(serial.map((s) => s.id)).toEqual(['text-ttyX', 'text-ttyX-2']);
    expect(serial[0].streams[0].id).toBe('text-ttyX:x');
    expect(set.finished).toBeNull();
    await Promise.all(set.sources.map((s) => s.release()));
  });

  it('refuses a sped-up playback beside other sources', async () => {
    await expect(createSourceSet([parseSourceSpec('synthetic'), parseSourceSpec('playback:/nonexistent.xdf:speed=4')], { durationSec: 1 })).rejects.toThrow(
      /speed=4 needs the playback to be the only source/,
    );
  });

  it('passes protocol option errors through (the registry names the bad option)', async () => {
    await expect(createSourceSet([parseSourceSpec('bitalino:/dev/rfcomm0:ecg=B7')], { durationSec: 1 })).rejects.toThrow(/ecg/);
  });

  it.skipIf(resolveBrainFlow() !== null)('without brainflow, himoe record --source brainflow:-1 fails with the install hint and exit code 1', async () => {
    let stderr = '';
    const code = await main(['record', '--source', 'brainflow:-1', '--duration', '1', '--out', '/tmp/himoe-never-written.xdf'], {
      stdout: () => {},
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/BRAINFLOW_MISSING.*npm install brainflow/);
  });
});
