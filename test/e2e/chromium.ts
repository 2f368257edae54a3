// Launching Debian's Chromium for the end-to-end tests. Missing Chromium skips loudly on a
// developer's machine and fails under CI=true (`.ci/run` installs it).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`Chromium is required under CI=true but ${CHROMIUM_PATH} is missing (apt-get install -y chromium)`);
  }
  console.warn(`\n*** SKIPPING browser tests: ${CHROMIUM_PATH} not found (apt-get install -y chromium) ***\n`);
  return false;
}

/** Playwright gives every launch a fresh temporary profile (its own --user-data-dir). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
