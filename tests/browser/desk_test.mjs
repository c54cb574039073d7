// Drives the moderators' answer desk in headless Debian Chromium, at desktop and phone sizes.
//   DESK_URL=http://localhost:8080/desk node tests/browser/desk_test.mjs
// Needs only the page server (`python -m bot web`), not the Rasa server. Screenshots go to
// results/screenshots/desk-*.png. Exit code 0 when every check passes; 1 with the failing check.
import { readFileSync } from "node:fs";
import { check, checkAccessibility, launch, openPage, screenshot, step, tabTo } from "./common.mjs";

const DESK_URL = process.env.DESK_URL || "http://localhost:8080/desk";
const NO_ANSWER_QUESTION = "which pizza place near the hospital is open late?";
// The first search waits for the question index, which the server builds once at start.
const SEARCH_TIMEOUT_MS = 240000;

async function api(path) {
  const reply = await fetch(`${DESK_URL}/${path}`);
  check(reply.ok, `${path} answered ${reply.status}`);
  return reply.json();
}

async function searchByKeyboard(page, question) {
  await tabTo(page, "#question");
  await page.keyboard.insertText(question);
  await page.keyboard.press("Enter");
  step(`searched (keyboard only): ${question}`);
}

async function run(page, size, expected) {
  await page.goto(DESK_URL, { waitUntil: "load" });
  check((await page.getAttribute("html", "lang")) === "en", "the desk must declare lang=\"en\"");
  await page.getByRole("heading", { level: 1, name: "Answer desk" }).waitFor();
  await page.locator("#areas button").first().waitFor({ timeout: SEARCH_TIMEOUT_MS });
  await checkAccessibility(page, `the desk (${size})`);
  await screenshot(page, `desk-${size}-start`);

  // Search, keyboard only, for a question the knowledge base answers.
  await searchByKeyboard(page, expected.question);
  const card = page.locator("#results article.entry").first();
  await card.waitFor({ timeout: SEARCH_TIMEOUT_MS });
  check((await card.getAttribute("data-entry")) === expected.id,
    `the desk showed entry ${await card.getAttribute("data-entry")}, the bot answers with ${expected.id}`);
  check((await card.locator(".source").innerText()).startsWith("Source: "), "the answer must show its sources");
  check(/Reviewed \d{4}-\d{2}-\d{2}/.test(await card.locator(".reviewed").innerText()), "the answer must show its reviewed date");
  step("the answer shows its sources and reviewed date");

  // Copy as plain text with the keyboard, as markdown with the mouse.
  await tabTo(page, "#results .copy-text");
  await page.keyboard.press("Enter");
  await card.locator(".copy-status").getByText("Copied").waitFor();
  const plain = await page.evaluate(() => navigator.clipboard.readText());
  check(plain === expected.copy.text, `the plain-text copy differs from the API's:\n${plain}`);
  check(plain.includes(expected.source_line) && /not a doctor/.test(plain),
    "the plain-text copy must carry the source line and the not-a-doctor line");
  await card.locator(".copy-markdown").click();
  const markdown = await page.evaluate(() => navigator.clipboard.readText());
  check(markdown === expected.copy.markdown && markdown.startsWith("**"), "the markdown copy is wrong");
  step("both copies carry the answer, its source line and the not-a-doctor line");
  await checkAccessibility(page, `an answer on the desk (${size})`);
  await screenshot(page, `desk-${size}-answer`);

  // A question with no vetted answer.
  await page.fill("#question", NO_ANSWER_QUESTION);
  await page.locator("#search-form button[type=submit]").click();
  const none = page.locator("#results .no-answer");
  await none.waitFor({ timeout: SEARCH_TIMEOUT_MS });
  check(/no vetted answer/i.test(await none.innerText()), "the desk must say there is no vetted answer");
  check((await none.locator(".covered li").count()) === expected.areas.length, "the desk must list the areas covered");
  check((await page.locator("#results article.entry").count()) === 0, "no entry may be offered as the answer");
  step("no vetted answer: said so, with the areas the knowledge base covers");
  await screenshot(page, `desk-${size}-no-answer`);

  // Browse an area; open an entry with the keyboard.
  const area = expected.areas[1];
  await page.locator(`#areas button[data-area="${area.id}"]`).click();
  await page.locator("#entries details").first().waitFor();
  check((await page.locator("#entries details").count()) === area.count,
    `the area ${area.title} must list its ${area.count} entries`);
  await tabTo(page, "#entries summary");
  await page.keyboard.press("Enter");
  const opened = page.locator("#entries details[open] article.entry");
  await opened.waitFor();
  check((await opened.locator(".source").innerText()).startsWith("Source: "), "a browsed entry must show its sources");
  step(`browsed ${area.title}: ${area.count} entries, one opened with the keyboard`);
  await checkAccessibility(page, `browsing on the desk (${size})`);
  await opened.scrollIntoViewIfNeeded();
  await screenshot(page, `desk-${size}-browse`);

  // Download the FAQ as markdown.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: /Markdown/ }).click(),
  ]);
  check(download.suggestedFilename() === "lms-faq.md", `the download is called ${download.suggestedFilename()}`);
  const text = readFileSync(await download.path(), "utf8");
  check(text.startsWith("# ") && text.includes(expected.source_line), "the downloaded FAQ must hold the entries");
  step("downloaded the FAQ as markdown");
}

async function main() {
  // What the desk should show: the entry the bot's policy picks for an entry's own question.
  const { areas } = await api("api/areas");
  const firstArea = await api(`api/entries?area=${encodeURIComponent(areas[0].id)}`);
  const question = firstArea.entries[0].question;
  const found = await (await fetch(`${DESK_URL}/api/search?q=${encodeURIComponent(question)}`)).json();
  check(found.answered, `the desk API does not answer its own entry's question: ${question}`);
  const expected = { question, areas, ...found.results[0] };

  const { browser, close } = await launch();
  let failed = false;
  try {
    for (const size of ["desktop", "phone"]) {
      const origin = new URL(DESK_URL).origin;
      const { context, page, errors } = await openPage(browser, size, { acceptDownloads: true });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
      try {
        await run(page, size, expected);
        check(errors.length === 0, `the desk raised errors: ${errors.join("; ")}`);
        step(`PASS desk at ${size} size`);
      } catch (error) {
        failed = true;
        await screenshot(page, `desk-${size}-failure`).catch(() => {});
        console.error(`FAIL desk at ${size} size: ${error.message}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await close();
  }
  console.log(failed ? "FAIL desk test" : "PASS desk test");
  return failed ? 1 : 0;
}

process.exitCode = await main();
