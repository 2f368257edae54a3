// The Electron security checklist, held against the options and handlers the app uses.
// Electron cannot start here, so the IPC transport runs against a stand-in for ipcMain.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

type Handler = (event: { sender: unknown; senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>;
const handlers = new Map<string, Handler>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: Handler) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
  MessageChannelMain: class {
    port1 = { postMessage: () => {}, close: () => {} };
    port2 = {};
  },
}));

const { APP_ORIGIN, CONTENT_SECURITY_POLICY, isAllowedNavigation, isAllowedSender, resolveAppAsset, windowWebPreferences } = await import('../../../src-main/app/security.js');
const { attachIpcTransport } = await import('../../../src-main/app/ipc-transport.js');
const { WorkstationService } = await import('../../../src-main/engine/workstation-service.js');

describe('Electron window options', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, web security on', () => {
    const prefs = windowWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('has a CSP that allows only its own scripts and never eval', () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self';/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/object-src 'none'/);
  });

  it('serves the renderer from the custom protocol and refuses paths that escape it', () => {
    const root = resolve('/srv/renderer');
    expect(resolveAppAsset(root, `${APP_ORIGIN}/`)).toBe(join(root, 'index.html'));
    expect(resolveAppAsset(root, `${APP_ORIGIN}/assets/a.js`)).toBe(join(root, 'assets/a.js'));
    expect(resolveAppAsset(root, `${APP_ORIGIN}/..%2f..%2fetc/passwd`)).toBeNull();
    expect(resolveAppAsset(root, 'himoe://evil/index.html')).toBeNull();
    expect(resolveAppAsset(root, 'file:///etc/passwd')).toBeNull();
  });

  it('allows IPC and navigation only from the app origin', () => {
    expect(isAllowedSender(`${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isAllowedSender('https://example.com/')).toBe(false);
    expect(isAllowedSender('file:///index.html')).toBe(false);
    expect(isAllowedSender(undefined)).toBe(false);
    expect(isAllowedNavigation('https://example.com/')).toBe(false);
  });

  it('denies permissions, new windows, foreign navigation and webviews in the main process', () => {
    const main = readFileSync('src-main/app/main.ts', 'utf8');
    expect(main).toMatch(/setPermissionRequestHandler\(\(_wc, _permission, callback\) => callback\(false\)\)/);
    expect(main).toMatch(/setPermissionCheckHandler\(\(\) => false\)/);
    expect(main).toMatch(/return \{ action: 'deny' \}/);
    expect(main).toMatch(/if \(!isAllowedNavigation\(url\)\) event\.preventDefault\(\)/);
    expect(main).toMatch(/will-attach-webview/);
    expect(main).not.toMatch(/file:\/\//);
    const preload = readFileSync('src-main/app/preload.cts', 'utf8');
    expect(preload).toMatch(/exposeInMainWorld\('himoe', \{/);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\b\s*\)/);
  });
});

describe('IPC transport', () => {
  const contents = { send: vi.fn(), postMessage: vi.fn(), isDestroyed: () => false };
  const service = new WorkstationService({ planRecording: async () => ({ path: '/dev/null', finish: async () => {} }) });

  it('refuses requests from a frame outside the app and validates parameters for the app', async () => {
    const detach = attachIpcTransport(service, contents as never);
    const call = handlers.get('himoe:call')!;
    const foreign = await call({ sender: contents, senderFrame: { url: 'https://evil.example/' } }, 'session.status', {});
    expect(foreign).toEqual({ ok: false, error: { code: 'FORBIDDEN_SENDER', message: expect.any(String) } });
    const otherWindow = await call({ sender: {}, senderFrame: { url: `${APP_ORIGIN}/index.html` } }, 'session.status', {});
    expect(otherWindow).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    const ok = await call({ sender: contents, senderFrame: { url: `${APP_ORIGIN}/index.html` } }, 'session.status', {});
    expect(ok).toMatchObject({ ok: true, result: { state: 'idle' } });
    const bad = await call({ sender: contents, senderFrame: { url: `${APP_ORIGIN}/index.html` } }, 'marker.add', { label: 42 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_PARAMS' } });
    detach();
    expect(handlers.has('himoe:call')).toBe(false);
  });
});
