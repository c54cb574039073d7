// Drives the chat page in headless Debian Chromium through a whole staging conversation.
//   WIDGET_URL=http://localhost:8080 node tests/browser/widget_test.mjs
// Needs the action server, the Rasa server and the page running (`make run`), and
// /usr/bin/chromium (`apt-get install -y chromium`). Screenshots go to tests/browser/screenshots/.
// Exit code 0 when every check passes; 1 with the failing check otherwise.
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BASE_URL = process.env.WIDGET_URL || "http://localhost:8080";
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const QUESTION = "what stage is my leiomyosarcoma?";
const HOSTILE = "<script>window.__pwned=1</script><b>bold</b>";
// Bot messages can arrive one after another with a short delay; the bot has finished a
// turn when nothing new has appeared for this long.
const QUIET_MS = 2500;
const TURN_TIMEOUT_MS = 60000;

const step = (text) => console.log(`- ${text}`);

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function botMessages(page) {
  return page.locator(".rw-response").allInnerTexts();
}

// Waits until the bot has said something after `before` messages and then gone quiet.
async function waitForBot(page, before) {
  const deadline = Date.now() + TURN_TIMEOUT_MS;
  let count = before;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    const now = (await botMessages(page)).length;
    if (now !== count) {
      count = now;
      lastChange = Date.now();
    } else if (count > before && Date.now() - lastChange > QUIET_MS) {
      return (await botMessages(page)).slice(before);
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`the bot did not answer within ${TURN_TIMEOUT_MS / 1000} s`);
}

async function type(page, text) {
  const before = (await botMessages(page)).length;
  const input = page.locator(".rw-new-message");
  await input.click();
  await input.fill(text);
  await input.press("Enter");
  step(`typed: ${text}`);
  return waitForBot(page, before);
}

async function click(page, title) {
  const before = (await botMessages(page)).length;
  await page.locator(".rw-replies").last().getByText(title, { exact: true }).click();
  step(`clicked: ${title}`);
  return waitForBot(page, before);
}

async function visibleButtons(page) {
  const groups = page.locator(".rw-replies");
  if ((await groups.count()) === 0) return [];
  return groups.last().locator(".rw-reply").allInnerTexts();
}

// Answers whatever the bot asks next about the tumor: a thigh tumor of 8 cm, grade 3,
// no spread. AJCC 7th edition: T2b N0 M0 G3, stage III.
async function answer(page, said) {
  const last = said.join("\n");
  const buttons = (await visibleButtons(page)).map((title) => title.trim());
  if (buttons.includes("Grade 3")) return click(page, "Grade 3");
  if (buttons.includes("No") && /lymph|node|spread|metasta|organ/i.test(last)) return click(page, "No");
  if (/where|which part|start|located|site/i.test(last)) return type(page, "it is in my thigh");
  if (/how (big|large)|size|centimet|\bcm\b|across/i.test(last)) return type(page, "it is 8 cm");
  if (/grade/i.test(last)) return type(page, "grade 3");
  if (/lymph|node/i.test(last)) return type(page, "no, the lymph nodes are clear");
  if (/spread|metasta/i.test(last)) return type(page, "no, it has not spread");
  if (buttons.includes("No")) return click(page, "No");
  throw new Error(`no answer prepared for the bot's message: ${last}`);
}

// Everything the page prints to the browser console.
const consoleLines = [];

async function run(page) {
  await page.goto(BASE_URL, { waitUntil: "load" });
  step(`opened ${BASE_URL}`);

  check((await page.getAttribute("html", "lang")) === "en", "the page must declare lang=\"en\"");
  check(await page.locator("h1").isVisible(), "the heading must be visible");
  check(await page.getByText(/call 988 \(US\) or your local emergency number/).isVisible(),
    "the emergency note must be visible");
  await page.locator(".rw-conversation-container").waitFor({ timeout: 20000 });
  await page.locator(".rw-new-message").waitFor({ timeout: 20000 });
  check((await page.getAttribute(".rw-new-message", "aria-label")) !== null,
    "the message box must have a label for screen readers");
  const fontSize = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  check(fontSize === "18px", `the base font must be 18px, not ${fontSize}`);

  const greeting = await waitForBot(page, 0);
  step(`bot greeted: ${greeting.join(" | ").slice(0, 120)}`);

  // The widget prints the socket id and the conversation token; chat_safety.js keeps them out.
  const token = await page.evaluate(() => {
    const stored = JSON.parse(window.sessionStorage.getItem("chat_session") || "null");
    return stored && stored.session_id;
  });
  check(typeof token === "string" && token.length > 20, "the widget must keep a conversation token");
  const leaked = consoleLines.filter((line) => line.includes(token) || /session_confirm|session_id/.test(line));
  check(leaked.length === 0, `the conversation token reached the browser console: ${leaked.join(" | ")}`);
  step(`the token is not in the browser console (${consoleLines.length} console lines)`);

  // A bot message with a javascript: link: it must become text; an https: link stays a link.
  const links = await page.evaluate(async () => {
    const message = document.createElement("div");
    message.className = "rw-response";
    message.innerHTML = '<div class="rw-message-text"><a href="JaVaScRiPt:window.__pwned=1">tap here</a> ' +
      '<a href="https://www.cancer.gov/">cancer.gov</a></div>';
    document.querySelector(".rw-messages-container").appendChild(message);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const found = Array.from(message.querySelectorAll("a")).map((a) => a.getAttribute("href"));
    message.remove();
    return found;
  });
  check(JSON.stringify(links) === JSON.stringify(["https://www.cancer.gov/"]),
    `only the https: link may stay a link, found ${JSON.stringify(links)}`);
  step("a javascript: link in a bot message became text; an https: link stayed");

  let said = await type(page, QUESTION);
  for (let turn = 0; turn < 10 && !/stage\s+III\b/i.test(said.join("\n")); turn++) {
    step(`bot: ${said.join(" | ").slice(0, 160)}`);
    said = await answer(page, said);
  }
  const conversation = (await botMessages(page)).join("\n");
  check(/stage\s+III\b/i.test(conversation), `the bot never gave stage III; it said:\n${conversation}`);
  step("the bot gave stage III");
  await page.screenshot({ path: join(SCREENSHOTS, "1-staging.png"), fullPage: true });

  const before = await botMessages(page);
  await page.reload({ waitUntil: "load" });
  await page.locator(".rw-conversation-container").waitFor({ timeout: 20000 });
  await page.getByText(QUESTION).first().waitFor({ timeout: 20000 });
  const after = await botMessages(page);
  check(after.length >= before.length && /stage\s+III\b/i.test(after.join("\n")),
    "the conversation must still be there after a reload");
  step(`after reload the conversation is still there (${after.length} bot messages)`);
  await page.screenshot({ path: join(SCREENSHOTS, "2-after-reload.png"), fullPage: true });

  await type(page, HOSTILE).catch(() => step("no bot reply to the hostile text (fine)"));
  await page.locator(".rw-client").getByText("bold", { exact: false }).last().waitFor({ timeout: 10000 });
  const pwned = await page.evaluate(() => window.__pwned);
  check(pwned === undefined, "user-typed <script> must not run");
  const injected = await page.evaluate(() => ({
    scripts: document.querySelectorAll(".rw-messages-container script").length,
    bold: document.querySelectorAll(".rw-messages-container b").length,
  }));
  check(injected.scripts === 0 && injected.bold === 0, `user-typed HTML must be shown as text, found ${JSON.stringify(injected)}`);
  step("user-typed HTML is shown as text and not run");
  await page.screenshot({ path: join(SCREENSHOTS, "3-typed-html.png"), fullPage: true });

  // "Start a new conversation" must get a new conversation from the server, not reuse the old one.
  await Promise.all([page.waitForEvent("load"), page.locator("#new-conversation").click()]);
  await page.locator(".rw-conversation-container").waitFor({ timeout: 20000 });
  await waitForBot(page, 0);
  const newToken = await page.evaluate(() => JSON.parse(window.sessionStorage.getItem("chat_session")).session_id);
  check(newToken && newToken !== token, "a new conversation must come with a new token from the server");
  check(!(await botMessages(page)).join("\n").match(/stage\s+III\b/i), "the new conversation must start empty");
  step("'Start a new conversation' got a new, empty conversation from the server");
}

async function main() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "widget-test-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 430, height: 932 }, // a phone
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => consoleLines.push(message.text()));
  try {
    await run(page);
    check(errors.length === 0, `the page raised errors: ${errors.join("; ")}`);
    console.log("PASS widget test");
    return 0;
  } catch (error) {
    await page.screenshot({ path: join(SCREENSHOTS, "failure.png"), fullPage: true }).catch(() => {});
    console.error(`FAIL widget test: ${error.message}`);
    return 1;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

process.exitCode = await main();
