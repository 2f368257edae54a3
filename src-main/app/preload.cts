// Preload of the sandboxed renderer: exposes named functions only (no ipcRenderer, no Node)
// through contextBridge. Sample frames arrive on a MessagePort handed over per view.
// CommonJS (.cts) because sandboxed preloads cannot be ES modules.

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS
import electron = require('electron');

const { contextBridge, ipcRenderer } = electron;

const eventListeners = new Set<(event: unknown) => void>();
ipcRenderer.on('himoe:event', (_e, event: unknown) => {
  for (const l of eventListeners) l(event);
});

const frameListeners = new Map<string, (bytes: ArrayBuffer) => void>();
ipcRenderer.on('himoe:view-port', (e, viewId: string) => {
  const port = e.ports[0];
  if (!port) return;
  port.onmessage = (msg: MessageEvent) => frameListeners.get(viewId)?.(msg.data as ArrayBuffer);
  port.start();
});

contextBridge.exposeInMainWorld('himoe', {
  call: (method: string, params: unknown): Promise<unknown> => ipcRenderer.invoke('himoe:call', method, params),
  onEvent: (listener: (event: unknown) => void): (() => void) => {
    eventListeners.add(listener);
    return () => eventListeners.delete(listener);
  },
  onFrames: (viewId: string, listener: (bytes: ArrayBuffer) => void): (() => void) => {
    frameListeners.set(viewId, listener);
    return () => frameListeners.delete(viewId);
  },
});
