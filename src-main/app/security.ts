// The Electron security checklist as data and small pure checks, so a test can hold the
// window options and handlers to it without starting Electron (DESIGN §6).

import { normalize, resolve, sep } from 'node:path';
import type { WebPreferences } from 'electron';

/** The renderer is served from this custom protocol, never file:// (privileged, standard, secure). */
export const APP_SCHEME = 'himoe';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export function windowWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** Only frames of our own app origin may talk to the main process. */
export function isAllowedSender(frameUrl: string | undefined | null): boolean {
  if (!frameUrl) return false;
  try {
    const u = new URL(frameUrl);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Navigation inside the window is allowed only within the app origin. */
export function isAllowedNavigation(url: string): boolean {
  return isAllowedSender(url);
}

/**
 * Map a himoe://app/<path> request to a file inside the renderer folder, or null when the
 * path escapes it (../, encoded separators) or the origin is not ours.
 */
export function resolveAppAsset(rendererRoot: string, requestUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (`${u.protocol}//${u.host}` !== APP_ORIGIN) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  const root = resolve(rendererRoot);
  const file = normalize(resolve(root, `.${rel}`));
  return file.startsWith(root + sep) ? file : null;
}
