// A TypeScript DIY sensor printing the line protocol (e.g. "1234,12.500,0.731\n") at its rate,
// with a "#" banner line first; honours the configured start/stop commands when there are any.

import { EmulatorBase, type EmulatorOptions } from '../parsing/emulator-kit.js';
import { TextProtocol, type TextOptions } from './protocol.js';

export class TextEmulator extends EmulatorBase {
  readonly protocol: TextProtocol;
  private lineNo = 0;
  private pendingCommand = '';
  private readonly encoder = new TextEncoder();
  private readonly one = new Float64Array(1);
  private readonly fields: string[];

  constructor(options: TextOptions & EmulatorOptions) {
    super(options);
    this.protocol = new TextProtocol(options);
    this.fields = new Array<string>(this.protocol.fieldRoles.length);
    if (!options.startCommand) this.begin();
  }

  protected frameRateHz(): number {
    return this.protocol.options.rateHz;
  }

  private begin(): void {
    this.startStreaming();
    this.lineNo = 0;
    this.out.bytes(this.encoder.encode('# himoe text emulator\n'));
  }

  protected onCommand(bytes: Uint8Array): void {
    const { startCommand, stopCommand } = this.protocol.options;
    this.pendingCommand += new TextDecoder().decode(bytes);
    if (startCommand && this.pendingCommand.includes(startCommand)) {
      this.pendingCommand = '';
      if (!this.streaming) this.begin();
    }
    if (stopCommand && this.pendingCommand.includes(stopCommand)) {
      this.pendingCommand = '';
      this.stopStreaming();
    }
    if (this.pendingCommand.length > 64) this.pendingCommand = this.pendingCommand.slice(-64);
  }

  override produce(durationSec: number): Uint8Array {
    // The banner written by begin() is flushed with the first lines.
    if (!this.streaming) return this.out.take();
    return super.produce(durationSec);
  }

  protected writeFrame(lost: boolean, corrupt: boolean): void {
    const o = this.protocol.options;
    const n = this.lineNo++;
    const tSec = n / o.rateHz;
    const roles = this.protocol.fieldRoles;
    for (let f = 0; f < roles.length; f++) {
      const role = roles[f];
      if (role === -2) this.fields[f] = String(n);
      else if (role === -1) this.fields[f] = o.timestampUnit === 's' ? tSec.toFixed(4) : String(Math.round(tSec * 1000));
      else this.fields[f] = (Math.sin(2 * Math.PI * (0.5 + role) * tSec) * (10 + role) + 0.1 * this.rng.gaussian()).toFixed(3);
    }
    const sep = o.separator ?? ',';
    if (!lost) this.out.bytes(this.encoder.encode(this.fields.join(sep) + '\n'));
    if (lost) return;
    for (let f = 0; f < roles.length; f++) {
      if (roles[f] < 0) continue;
      this.one[0] = Number(this.fields[f]);
      this.truth(o.columns[roles[f]].key, n, this.one, corrupt);
    }
  }
}
