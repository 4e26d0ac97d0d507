// Chromium for the browser suites: Debian's /usr/bin/chromium driven by playwright-core, with a
// fresh profile each launch. Without Chromium the suites skip, and say so loudly.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);

if (!HAVE_CHROMIUM) {
  console.warn(
    `\n*** ${CHROMIUM_PATH} is missing: the API Keys page browser suites are SKIPPED. ` +
      'Install it with `apt-get install -y chromium` (.ci/run does, so CI runs them). ***\n',
  );
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  // playwright passes --user-data-dir itself for a persistent context: a new, empty profile.
  const profile = mkdtempSync(join(tmpdir(), 'lfk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1200, height: 760 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
