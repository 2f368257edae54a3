// The workstation API over Electron IPC: one invoke channel for requests (sender checked,
// params validated by ApiSession against the contract), events pushed to the window, and
// one MessagePort per plot view for binary frames.

import { ipcMain, MessageChannelMain, type MessagePortMain, type WebContents } from 'electron';
import { ApiSession } from '../engine/api-session.js';
import type { WorkstationService } from '../engine/workstation-service.js';
import { isAllowedSender } from './security.js';

export function attachIpcTransport(service: WorkstationService, contents: WebContents): () => void {
  const ports = new Map<string, MessagePortMain>();
  const api = new ApiSession(service, (viewId, bytes) => {
    let port = ports.get(viewId);
    if (!port) {
      const channel = new MessageChannelMain();
      port = channel.port1;
      ports.set(viewId, port);
      contents.postMessage('himoe:view-port', viewId, [channel.port2]);
    }
    port.postMessage(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  });

  ipcMain.handle('himoe:call', async (event, method: unknown, params: unknown) => {
    if (event.sender !== contents || !isAllowedSender(event.senderFrame?.url)) {
      return { ok: false, error: { code: 'FORBIDDEN_SENDER', message: 'request from a frame outside the app was refused' } };
    }
    if (typeof method !== 'string') return { ok: false, error: { code: 'BAD_REQUEST', message: 'method must be a string' } };
    return api.handle(method, params);
  });
  const offEvents = service.onEvent((event) => {
    if (!contents.isDestroyed()) contents.send('himoe:event', event);
  });

  return () => {
    offEvents();
    ipcMain.removeHandler('himoe:call');
    api.close();
    for (const p of ports.values()) p.close();
    ports.clear();
  };
}
