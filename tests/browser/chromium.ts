// Debian's chromium driven by playwright-core (no browser download: scripts/ensure-chromium.sh installs the
// system package). The flags keep it off this machine's closed network (background services, QUIC, sync);
// playwright gives every launch a fresh temporary profile.
import { chromium, type Browser } from 'playwright-core'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
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
  })
}
