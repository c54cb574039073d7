// The chat page and the floating chat on another website, at desktop and phone sizes, keyboard only.
//   WIDGET_URL=http://localhost:8080 EMBED_URL=http://localhost:8095 node tests/browser/page_test.mjs
// Needs the bot running (`make run`, or the test stack) and, for EMBED_URL, a page of another
// origin with the README's embed snippet (tests/browser/test_page_browser.py serves one).
// Screenshots go to results/screenshots/chat-*.png and embed-*.png.
import { check, checkAccessibility, launch, openPage, screenshot, SIZES, step, tabTo } from "./common.mjs";

const WIDGET_URL = process.env.WIDGET_URL || "http://localhost:8080";
const EMBED_URL = process.env.EMBED_URL;
const QUESTION = "what is leiomyosarcoma?";
const QUIET_MS = 2500;
// The first answer after a start can wait for the action server to build its question index.
const TURN_TIMEOUT_MS = 240000;

// Bot messages with text (the widget's typing indicator is an empty .rw-response).
async function botMessages(page) {
  return (await page.locator(".rw-response").allInnerTexts()).map((text) => text.trim()).filter(Boolean);
}

async function botMessageCount(page) {
  return (await botMessages(page)).length;
}

// Waits until the bot has said something after `before` messages and then gone quiet.
async function waitForBot(page, before) {
  const deadline = Date.now() + TURN_TIMEOUT_MS;
  let count = before;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    const now = await botMessageCount(page);
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

// Types a question with the keyboard only and waits for the answer.
async function askByKeyboard(page) {
  const before = await botMessageCount(page);
  await tabTo(page, ".rw-new-message", 40);
  await page.keyboard.insertText(QUESTION);
  await page.keyboard.press("Enter");
  step(`asked (keyboard only): ${QUESTION}`);
  const said = await waitForBot(page, before);
  check(/leiomyosarcoma|smooth muscle/i.test(said.join(" ")), `unexpected answer: ${said.join(" | ")}`);
  step(`answered: ${said.join(" | ").slice(0, 100)}`);
}

async function sendButton(page, size) {
  const send = page.getByRole("button", { name: "Send message" });
  await send.waitFor();
  check((await send.innerText()).trim() === "Send", "the send button must show the word Send");
  const box = await send.boundingBox();
  check(box.x >= 0 && box.x + box.width <= SIZES[size].width, "the send button must be inside the screen");
}

async function chatPage(page, size) {
  const reply = await page.goto(WIDGET_URL, { waitUntil: "load" });
  const policy = reply.headers()["content-security-policy"] || "";
  check(policy.includes("script-src 'self'") && policy.includes("default-src 'none'"),
    `the chat page's Content-Security-Policy changed: ${policy}`);
  await page.locator(".rw-new-message").waitFor({ timeout: 60000 });
  await sendButton(page, size);
  await waitForBot(page, 0);
  step(`chat page (${size}) connected and greeted`);

  const height = SIZES[size].height;
  const emergency = await page.locator(".emergency").boundingBox();
  check(emergency && emergency.y + emergency.height <= height / 2, "the safety line must be visible near the top");
  const chat = await page.locator("#chat").boundingBox();
  const introOpen = await page.locator("#about").evaluate((node) => node.open);
  if (size === "phone") {
    check(!introOpen, "on a phone the introduction starts folded");
    check(emergency.height <= 0.12 * height, `the safety line is too tall on a phone: ${emergency.height}px`);
    check(chat.height >= 0.6 * height, `the conversation gets only ${Math.round(chat.height)}px of ${height}px`);
    step(`phone: the conversation gets ${Math.round(chat.height)}px of ${height}px; safety line ${Math.round(emergency.height)}px`);
  } else {
    check(introOpen, "on a wide screen the introduction is open");
  }

  await askByKeyboard(page);
  await checkAccessibility(page, `the chat page (${size})`);
  await screenshot(page, `chat-${size}`);

  // The introduction opens and closes from the keyboard.
  await tabTo(page, "#about summary", 40);
  await page.keyboard.press("Enter");
  check((await page.locator("#about").evaluate((node) => node.open)) !== introOpen, "Enter must open or fold the introduction");
  if (size === "phone") await screenshot(page, "chat-phone-about-open");
}

async function embed(page, size) {
  await page.goto(EMBED_URL, { waitUntil: "load" });
  const launcher = page.getByRole("button", { name: "Chat with the LMS information assistant" });
  await launcher.waitFor({ timeout: 60000 });
  const box = await launcher.boundingBox();
  const { width, height } = SIZES[size];
  check(box.x + box.width <= width && box.y + box.height <= height, "the launcher must be inside the screen");
  await checkAccessibility(page, `the embedded launcher (${size})`);
  await screenshot(page, `embed-${size}-closed`);

  await tabTo(page, ".rw-launcher", 40);
  await page.keyboard.press("Enter");
  await page.locator(".rw-conversation-container").waitFor();
  await sendButton(page, size);
  check(/988/.test(await page.locator(".rw-header").innerText()), "the open chat must show the safety line");
  const title = await page.locator(".rw-header .rw-title").boundingBox();
  const safety = await page.locator(".rw-header > span").boundingBox();
  check(title.y + title.height <= safety.y + 1, "the chat's title must not overlap the safety line");
  const chat = await page.locator(".rw-conversation-container").boundingBox();
  check(chat.x >= 0 && chat.x + chat.width <= width + 1, `the open chat is wider than the screen (${chat.width}px)`);
  await waitForBot(page, 0);
  step(`embedded chat (${size}) opened with the keyboard and greeted`);
  await askByKeyboard(page);
  await checkAccessibility(page, `the embedded chat (${size})`);
  await screenshot(page, `embed-${size}-open`);
}

async function main() {
  const { browser, close } = await launch();
  let failed = false;
  try {
    for (const size of ["desktop", "phone"]) {
      const checks = [["chat page", chatPage]];
      if (EMBED_URL) checks.push(["embed", embed]);
      for (const [name, run] of checks) {
        const { context, page, errors } = await openPage(browser, size);
        try {
          await run(page, size);
          check(errors.length === 0, `the page raised errors: ${errors.join("; ")}`);
          step(`PASS ${name} at ${size} size`);
        } catch (error) {
          failed = true;
          await screenshot(page, `${name.replace(" ", "-")}-${size}-failure`).catch(() => {});
          console.error(`FAIL ${name} at ${size} size: ${error.message}`);
        } finally {
          await context.close();
        }
      }
    }
  } finally {
    await close();
  }
  console.log(failed ? "FAIL page test" : "PASS page test");
  return failed ? 1 : 0;
}

process.exitCode = await main();
