// Debian's Chromium driven by playwright-core (which downloads no browser of its own). The flags keep Chromium off
// the network (this machine's is closed) and out of any profile: a fresh --user-data-dir per launch.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.TENSORFLEET_CHROMIUM ?? '/usr/bin/chromium';

/**
 * A headless Chromium page. Throws (the test fails, it is never skipped) when Chromium is not installed: .ci/run
 * installs Debian's `chromium`.
 */
export async function openBrowser() {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: apt-get install chromium (browser tests must not skip)`);
  const profile = mkdtempSync(join(tmpdir(), 'tf-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1300, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
