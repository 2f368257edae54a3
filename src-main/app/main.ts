// Electron main process: one secure window on the custom himoe:// protocol, the workstation
// service behind the typed IPC transport, and a clean shutdown that always finishes a
// running recording. Launched by `npm start` where Electron can be installed.

import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, protocol, session, shell } from 'electron';
import { annotationHandlers } from '../engine/annotation-handlers.js';
import { devicesHandlers, publishDeviceStatus } from '../engine/devices-handlers.js';
import { EvaluationRunner } from '../engine/evaluation-handlers.js';
import { libraryHandlers } from '../engine/library-handlers.js';
import { MediaTickets } from '../engine/media-serving.js';
import { replayHandlers } from '../engine/replay-handlers.js';
import { isMediaRequest, mediaProtocolResponse } from './media-protocol.js';
import { predictionHandlers, publishPredictions } from '../engine/prediction-handlers.js';
import { WorkstationService } from '../engine/workstation-service.js';
import { workspaceRecordingPlanner } from '../engine/workspace-recording.js';
import { MODELS_DIR } from '../storage/workspace.js';
import { attachIpcTransport } from './ipc-transport.js';
import { APP_ORIGIN, APP_SCHEME, CONTENT_SECURITY_POLICY, isAllowedNavigation, resolveAppAsset, windowWebPreferences } from './security.js';
import { shippedModelDir } from '../model/io/shipped-model.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererRoot = resolve(here, '..', '..', 'src-renderer', 'dist');
const preloadPath = join(here, 'preload.cjs');
const workspace = process.env.HIMOE_WORKSPACE ?? join(homedir(), 'HiMoE Workspace');

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

// stream: <audio>/<video> of post-hoc annotation play (and seek) from himoe://app/media/<ticket>.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

async function createWindow(service: WorkstationService): Promise<void> {
  const win = new BrowserWindow({ width: 1400, height: 900, show: false, webPreferences: windowWebPreferences(preloadPath) });
  const detach = attachIpcTransport(service, win.webContents);
  win.on('closed', detach);
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser; nothing opens inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  win.once('ready-to-show', () => win.show());
  await win.loadURL(`${APP_ORIGIN}/index.html`);
}

async function main(): Promise<void> {
  await app.whenReady();
  await mkdir(workspace, { recursive: true });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // Stimulus media of post-hoc annotation: registered by the replay handlers, served with ranges here.
  const media = new MediaTickets();
  protocol.handle(APP_SCHEME, async (request) => {
    if (isMediaRequest(request.url)) return mediaProtocolResponse(media, request);
    const file = resolveAppAsset(rendererRoot, request.url);
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
  // Refuse every other scheme a compromised page might try to load through the network stack.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  const evaluations = new EvaluationRunner({ workspace });
  const service = new WorkstationService({ modelsDir: join(workspace, MODELS_DIR), planRecording: workspaceRecordingPlanner(workspace, (l) => console.warn(l)), modelDir: process.env.HIMOE_MODEL === 'none' ? undefined : (process.env.HIMOE_MODEL ?? shippedModelDir()), handlers: { ...annotationHandlers(), ...replayHandlers({ workspace, tickets: media }), ...libraryHandlers({ workspace }), ...devicesHandlers({ workspace }), ...predictionHandlers({ modelsDir: join(workspace, MODELS_DIR) }), ...evaluations.handlers() } });
  publishDeviceStatus(service);
  publishPredictions(service);
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    void service.shutdown().then(() => evaluations.shutdown()).finally(() => app.quit());
  });
  app.on('window-all-closed', () => app.quit());
  await createWindow(service);
}

void main();
