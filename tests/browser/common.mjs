// Shared by the browser tests: Chromium, the two screen sizes, axe-core, screenshots.
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SCREENSHOTS = join(ROOT, "results", "screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const SIZES = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
};

export const step = (text) => console.log(`- ${text}`);

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// axe-core from node_modules (npm ci), or AXE_CORE_PATH when it is elsewhere.
function axeSource() {
  const path = process.env.AXE_CORE_PATH || createRequire(import.meta.url).resolve("axe-core/axe.min.js");
  return readFileSync(path, "utf8");
}

// Runs axe-core in the page (through the DevTools protocol, so the page's CSP stays as it is)
// and fails on any serious or critical violation.
export async function checkAccessibility(page, what, options = {}) {
  const loaded = await page.evaluate(() => typeof window.axe === "object");
  if (!loaded) await page.evaluate(`${axeSource()}\n;void 0`);
  const found = await page.evaluate(async (exclude) => {
    const context = exclude.length ? { exclude: exclude.map((selector) => [selector]) } : document;
    const result = await window.axe.run(context, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((node) => node.target.join(" ")),
    }));
  }, options.exclude || []);
  const bad = found.filter((violation) => ["serious", "critical"].includes(violation.impact));
  const minor = found.filter((violation) => !bad.includes(violation));
  if (minor.length) step(`axe (${what}): minor findings ${minor.map((v) => `${v.id} (${v.impact})`).join(", ")}`);
  check(bad.length === 0, `axe found serious or critical violations on ${what}: ${JSON.stringify(bad, null, 1)}`);
  step(`axe: no serious or critical violations on ${what}`);
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

// Starts Chromium with a throw-away profile; returns { browser, close }.
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "browser-test-"));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// A page at one screen size that records script errors and CSP violations.
export async function openPage(browser, size, extra = {}) {
  const context = await browser.newContext({ viewport: SIZES[size], ...extra });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // The widget's CSS asks for a Google font; the page's CSP blocks that on purpose.
    const text = message.text();
    if (/Content Security Policy/i.test(text) && !/fonts\.googleapis\.com/.test(text)) errors.push(text);
  });
  return { context, page, errors };
}

// Presses Tab until the element matching selector has the focus; fails after `limit` presses.
export async function tabTo(page, selector, limit = 30) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`${selector} cannot be reached with the Tab key`);
}
