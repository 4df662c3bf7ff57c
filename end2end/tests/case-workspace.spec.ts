// The case workspace: an analyst opens a case by hand with a playbook, writes a Markdown note
// (its script stays inert), adds observables (an invalid one is refused with why), records a
// containment action with its asset, tags an ATT&CK technique; a colleague with the case open
// in a second browser sees the timeline change without reloading.
import { ADMIN, caseTab, checkA11y, createAccount, expect, hydrated, signIn, test } from "./fixtures";

test("an analyst works a case by hand while a colleague watches it live", async ({ page, browser }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "wanda", "Wanda Workspace", "wanda's long passphrase");
  await createAccount(page, "walt", "Walt Watcher", "walt's long passphrase");

  const wandaCtx = await browser.newContext();
  const wanda = await wandaCtx.newPage();
  const errors: string[] = [];
  wanda.on("pageerror", (e) => errors.push(String(e)));
  await signIn(wanda, "wanda", "wanda's long passphrase");
  await expect(wanda.getByRole("heading", { name: /Welcome/ })).toBeVisible();

  // Open a case by hand (a threat hunt), with the malware playbook.
  await wanda.goto("/cases");
  await hydrated(wanda);
  await wanda.getByRole("link", { name: "Open a case" }).click();
  await hydrated(wanda);
  await wanda.getByLabel("Title").fill("Hunt: unsigned binary beaconing");
  await wanda.getByLabel("Description").fill("Found by the weekly beacon hunt.");
  await wanda.getByLabel("Severity").selectOption("high");
  await wanda.getByLabel("Detected by").fill("threat hunt");
  await wanda.getByLabel("Playbook").selectOption({ label: "Malware on endpoint" });
  await wanda.getByRole("button", { name: "Open case" }).click();
  await expect(wanda.getByRole("heading", { level: 1 })).toContainText("Hunt: unsigned binary beaconing");
  await hydrated(wanda);
  const number = (await wanda.locator("h1 .case-number").textContent())!.trim();
  expect(number).toMatch(/^CF-\d{4}-\d{6}$/);
  // The case's sections each have their own URL; the timeline is the case's own.
  const tasks = wanda.getByRole("region", { name: /Tasks/ });
  await caseTab(wanda, "Tasks");
  await expect(wanda).toHaveURL(new RegExp(`/cases/${number}/tasks$`));
  await expect(tasks).toContainText("Isolate the host");
  await caseTab(wanda, "Timeline");
  const timeline = wanda.locator("ol.timeline");
  await expect(timeline).toContainText("Playbook applied: Malware on endpoint");

  // A colleague opens the same case in another browser.
  const waltCtx = await browser.newContext();
  const walt = await waltCtx.newPage();
  walt.on("pageerror", (e) => errors.push(String(e)));
  await signIn(walt, "walt", "walt's long passphrase");
  await expect(walt.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await walt.goto(`/cases/${number}`);
  await hydrated(walt);
  const waltTimeline = walt.locator("ol.timeline");
  await expect(waltTimeline).toContainText("Playbook applied");

  // A Markdown note: rendered, its script removed and never run; the colleague sees it live.
  await wanda
    .getByLabel("Add a note")
    .fill("Beacon every **60 s** to the C2 <script>window.__pwned = true</script>");
  const sent = Date.now();
  await wanda.getByRole("button", { name: "Add note" }).click();
  await expect(timeline.locator(".event-note .note-body strong")).toHaveText("60 s");
  await expect(waltTimeline.locator(".event-note .note-body strong")).toHaveText("60 s", { timeout: 3000 });
  console.log(`live update reached the second browser ${Date.now() - sent} ms after the click`);
  await expect(timeline.locator(".event-note script")).toHaveCount(0);
  expect(await wanda.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
  expect(await walt.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();

  // Observables: an invalid hash is refused with why; a defanged IP is accepted.
  // By keyboard: `?` lists the shortcuts, `o` opens the observables with the cursor in Value.
  const observables = wanda.getByRole("region", { name: /Observables/ });
  await wanda.locator("h1").click();
  await wanda.keyboard.press("?");
  await expect(wanda.getByRole("dialog", { name: "Keyboard shortcuts" })).toContainText("add an observable");
  await wanda.keyboard.press("Escape");
  await wanda.keyboard.press("o");
  await expect(wanda).toHaveURL(new RegExp(`/cases/${number}/observables$`));
  await expect(wanda.locator("#observable-value")).toBeFocused();
  await observables.getByLabel("Type").selectOption("hash");
  await observables.getByLabel("Value").fill("abc123");
  await observables.getByRole("button", { name: "Add observable" }).click();
  await expect(wanda.getByRole("alert")).toContainText("hash");
  await observables.getByLabel("Type").selectOption("ip");
  await observables.getByLabel("Value").fill("203.0.113[.]50");
  await observables.getByLabel("IOC").check();
  await observables.getByRole("button", { name: "Add observable" }).click();
  await expect(observables).toContainText("203.0.113.50");
  await expect(waltTimeline).toContainText("Observable added: ip 203.0.113.50");

  // The containment task needs its asset; done, the timeline says what was done on which host.
  await caseTab(wanda, "Tasks");
  await tasks.getByLabel("host for Isolate the host").fill("WS-042");
  await tasks.getByRole("button", { name: "Record done" }).first().click();
  await caseTab(wanda, "Timeline");
  await expect(timeline).toContainText("Isolated host WS-042");
  await expect(waltTimeline).toContainText("Isolated host WS-042");

  // An event tagged with an ATT&CK technique; the case lists it under its tactic.
  const entryForm = wanda.getByRole("form", { name: "Add to the timeline" });
  await entryForm.getByRole("combobox").first().selectOption("custom");
  await entryForm.getByLabel("What happened").fill("User ran invoice.exe from the mail");
  await entryForm.getByLabel("ATT&CK").fill("T1204.002");
  await entryForm.getByLabel("Add a note").fill("Confirmed with the user by phone.");
  await entryForm.getByRole("button", { name: "Add note" }).click();
  const attack = wanda.getByRole("region", { name: "ATT&CK techniques" });
  await expect(attack).toContainText("Execution");
  await expect(attack).toContainText("T1204.002");
  await expect(walt.getByRole("region", { name: "ATT&CK techniques" })).toContainText("T1204.002");
  await checkA11y(wanda);
  expect(errors).toEqual([]);
  await wandaCtx.close();
  await waltCtx.close();
});
