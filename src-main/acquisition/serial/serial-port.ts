// The byte transport under a SerialSource: opens a serial port (USB, Bluetooth rfcomm, a
// pseudo-terminal) through `serialport` and exposes data, close and write. Tests and
// benchmarks may inject their own opener (SerialSourceOptions.openPort).

import { SerialPort } from 'serialport';

/** An open port as the SerialSource sees it. */
export interface SerialPortHandle {
  /** Registers the byte consumer (one per handle). */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Called once when the port closes by itself (unplug, I/O error); `err` says why. Not called for close(). */
  onClose(listener: (err: Error | null) => void): void;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export type PortOpener = (path: string, baudRate: number) => Promise<SerialPortHandle>;

/** Opens `path` at `baudRate` (raw, 8N1, exclusive lock). Rejects with the OS error when it cannot. */
export const openSerialPort: PortOpener = async (path, baudRate) => {
  const port = new SerialPort({ path, baudRate, autoOpen: false, hupcl: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let closing = false;
  let closeListener: ((err: Error | null) => void) | null = null;
  let closedByItself = false;
  // An 'error' without a listener would crash the process; errors also arrive as 'close'.
  port.on('error', () => {});
  port.on('close', (err: Error | null) => {
    if (closing || closedByItself) return;
    closedByItself = true;
    closeListener?.(err ?? null);
  });
  return {
    onData(listener) {
      port.on('data', (buf: Buffer) => listener(buf));
    },
    onClose(listener) {
      closeListener = listener;
    },
    write(bytes) {
      return new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => {
          if (err) return reject(err);
          port.drain((e) => (e ? reject(e) : resolve()));
        });
      });
    },
    close() {
      closing = true;
      port.removeAllListeners('data');
      if (!port.isOpen) return Promise.resolve();
      return new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
};
