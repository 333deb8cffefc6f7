import { existsSync } from 'node:fs';
import { chromium, Browser, BrowserContext, BrowserContextOptions, Locator, Page, Request as PageRequest } from 'playwright-core';
import { eventually } from './eventually';

/**
 * The system Chromium (Debian package `chromium`; `scripts/setup.sh test`
 * installs it). Never downloaded: playwright-core only drives it.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

/**
 * Launches headless Chromium. Playwright gives it a fresh temporary profile
 * (user-data dir) and deletes it on close. A missing browser is a failure,
 * not a skip: CI installs it.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM_PATH}, which does not exist. ` +
        'Install it (apt-get install chromium, or scripts/setup.sh test) or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** One browser window: its own context (like a separate window), with its console errors recorded. */
export interface BrowserWindow {
  page: Page;
  context: BrowserContext;
  /** console.error messages and uncaught exceptions, in order. */
  errors: string[];
  /** HTTP requests the page has sent and not yet seen answered or failed (a WebSocket is not one). */
  requestsInFlight(): number;
  close(): Promise<void>;
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** Wait for "Connected" and for the user to be shown (default true). */
  ready?: boolean;
  /** Let test tooling (axe) inject scripts even under a strict Content-Security-Policy. */
  bypassCSP?: boolean;
  /** More options for the window's context (e.g. locale, timezoneId). */
  contextOptions?: BrowserContextOptions;
  /** Runs on the new page before it navigates: listeners that must see the first request, a clock. */
  beforeGoto?: (page: Page) => void | Promise<void>;
}

/** What the pages are written to work under, and the server sends (SITE_CSP): no inline script or style anywhere. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function openWindow(browser: Browser, url: string, options: OpenOptions = {}): Promise<BrowserWindow> {
  const context = await browser.newContext({
    ...options.contextOptions,
    viewport: options.viewport ?? DESKTOP,
    bypassCSP: options.bypassCSP ?? false,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  const inFlight = new Set<PageRequest>();
  page.on('request', (request) => inFlight.add(request));
  page.on('requestfinished', (request) => inFlight.delete(request));
  page.on('requestfailed', (request) => inFlight.delete(request));
  page.setDefaultTimeout(10_000);
  const win: BrowserWindow = { page, context, errors, requestsInFlight: () => inFlight.size, close: () => context.close() };
  try {
    await options.beforeGoto?.(page);
    await page.goto(url);
    if (options.ready ?? true) await waitUntilReady(page);
  } catch (error) {
    // Nobody else holds the window yet.
    await context.close();
    throw error;
  }
  return win;
}

interface Closable {
  close(): Promise<void>;
}

export interface SuiteOpenOptions extends OpenOptions {
  /** The server to open `path` on (default: the suite's app's url). */
  base?: string;
}

export interface BrowserSuite<App> {
  /** What the suite's startApp gave; read it in tests and hooks, once beforeAll has run. */
  readonly app: App;
  readonly browser: Browser;
  /** Opens a window on `path` (see openWindow), closed after the current test. */
  open(path: string, options?: SuiteOpenOptions): Promise<BrowserWindow>;
  /** Closes `closable` after the current test, with the windows (a proxy, a window opened another way). */
  closeAfterTest<T extends Closable>(closable: T): T;
}

/**
 * The set-up every browser spec shares. Call it inside the spec's describe:
 * it registers that describe's hooks (importing this module registers none).
 * beforeAll starts the app with `startApp`, then Chromium, one after the
 * other, so a failed start leaves nothing half-open for afterAll to miss;
 * afterEach closes the windows the test opened; afterAll closes what is
 * left, the browser and the app.
 */
export function browserSuite<App extends Closable & { url?: string }>(
  startApp: () => Promise<App>,
  defaults: OpenOptions = {},
): BrowserSuite<App> {
  let app: App | undefined;
  let browser: Browser | undefined;
  const open: Closable[] = [];
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`browserSuite: no ${what} yet (read it in a test or a hook, after beforeAll)`);
    return value;
  };

  beforeAll(async () => {
    app = await startApp();
    browser = await launchBrowser();
  });
  afterEach(() => closeAll(...open.splice(0)));
  afterAll(async () => {
    await closeAll(...open.splice(0));
    await closeAll(browser, app);
  });

  const suite: BrowserSuite<App> = {
    get app() {
      return started(app, 'app');
    },
    get browser() {
      return started(browser, 'browser');
    },
    async open(path, options = {}) {
      const base = options.base ?? suite.app.url;
      if (base === undefined) throw new Error('browserSuite: the app has no url; pass options.base');
      return suite.closeAfterTest(await openWindow(suite.browser, `${base}${path}`, { ...defaults, ...options }));
    },
    closeAfterTest(closable) {
      open.push(closable);
      return closable;
    },
  };
  return suite;
}

/** The connection indicator, as a person reads it. */
export function connectionIndicator(page: Page): Locator {
  return page.locator('#connection');
}

export async function waitForConnection(page: Page, state: 'Connected' | 'Disconnected', deadlineMs = 10_000): Promise<void> {
  await eventually(async () => {
    const text = (await connectionIndicator(page).textContent()) ?? '';
    if (state === 'Connected' ? text.trim() !== 'Connected' : !text.startsWith('Disconnected')) {
      throw new Error(`connection indicator reads "${text}", waiting for ${state}`);
    }
  }, deadlineMs);
}

/** Connected, and a user loaded into the fields (on a window page). */
export async function waitUntilReady(page: Page): Promise<void> {
  await waitForConnection(page, 'Connected');
  if (await page.locator('#first-name').count()) {
    await eventually(async () => {
      const editable = page.locator('.field-editable input');
      if (await editable.isDisabled()) throw new Error('the editable field is still disabled (no user loaded)');
    }, 10_000);
  }
}

export function field(page: Page, label: 'First name' | 'Last name'): Locator {
  return page.getByLabel(label, { exact: true });
}

/** Waits until the field labelled `label` holds `value`; returns how long that took. */
export async function waitForValue(
  page: Page,
  label: 'First name' | 'Last name',
  value: string,
  deadlineMs = 5_000,
): Promise<number> {
  const started = Date.now();
  await eventually(async () => {
    const actual = await field(page, label).inputValue();
    if (actual !== value) throw new Error(`${label} is ${JSON.stringify(actual)}, waiting for ${JSON.stringify(value)}`);
  }, deadlineMs);
  return Date.now() - started;
}

/** Waits until `locator`'s text contains `expected` (or matches it). */
export async function waitForText(locator: Locator, expected: string | RegExp, deadlineMs = 5_000): Promise<string> {
  return eventually(async () => {
    const text = (await locator.textContent()) ?? '';
    const ok = typeof expected === 'string' ? text.includes(expected) : expected.test(text);
    if (!ok) throw new Error(`text is ${JSON.stringify(text)}, waiting for ${String(expected)}`);
    return text;
  }, deadlineMs);
}

/** The options of the "User" picker, as shown. */
export async function pickerOptions(page: Page): Promise<string[]> {
  return page.getByLabel('User', { exact: true }).locator('option').allTextContents();
}

/** Closes everything given, ignoring what is already closed. */
export async function closeAll(...closables: ({ close(): Promise<void> } | undefined | null)[]): Promise<void> {
  await Promise.allSettled(closables.map(async (closable) => closable?.close()));
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe-core on the page as it is now (the page must allow injected scripts); returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}
