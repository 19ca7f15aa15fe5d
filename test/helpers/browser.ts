import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.MENSAGEIRO_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined. Under MENSAGEIRO_REQUIRE_ENGINES=1 a missing browser fails. */
export function browserSkip(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `\n*** SKIPPING browser tests: ${CHROMIUM} is missing. Install it with: sudo apt-get install -y chromium\n`;
  if (process.env.MENSAGEIRO_REQUIRE_ENGINES === '1') throw new Error(message);
  process.stderr.write(message);
  return `${CHROMIUM} is missing`;
}

/** Debian's headless chromium, with the flags this closed network needs; playwright gives it a fresh profile. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
