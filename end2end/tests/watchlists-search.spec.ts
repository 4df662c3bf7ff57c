// Admin-managed workspace settings and search: an admin edits a playbook and imports a
// watchlist (a bad CSV row is refused by line); an analyst opens a case, adds a watchlisted
// IP and sees it flagged, then finds the case through search.
import { ADMIN, caseTab, checkA11y, createAccount, expect, hydrated, signIn, test } from "./fixtures";

test("an admin keeps playbooks and watchlists; an analyst sees the flag and finds the case", async ({ page, browser }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "sam", "Sam Searcher", "sam's long passphrase");

  // Playbooks: an unknown containment action is refused with its line; a good edit saves.
  await page.getByRole("link", { name: "Playbooks" }).click();
  await hydrated(page);
  const phishing = page.getByRole("region", { name: "Phishing" });
  const tasks = phishing.getByLabel("Tasks of Phishing");
  await tasks.fill("triage | Read the headers\ncontainment | Nuke the site | launch_missiles");
  await phishing.getByRole("button", { name: "Save playbook" }).click();
  await expect(page.getByRole("alert")).toContainText("Line 2");
  await tasks.fill("triage | Read the headers\ncontainment | Block the sender | block_sender");
  await phishing.getByRole("button", { name: "Save playbook" }).click();
  await expect(phishing).toContainText("Version 2");
  await checkA11y(page);

  // Watchlists: create, a bad row refused by line, then a good import.
  await page.getByRole("link", { name: "Watchlists" }).click();
  await hydrated(page);
  await page.getByLabel("Name").fill("C2 servers");
  await page.getByLabel("Description").fill("From the intel feed");
  await page.getByRole("button", { name: "Create watchlist" }).click();
  const list = page.getByRole("region", { name: "C2 servers" });
  await list.getByLabel("CSV for C2 servers").fill("type,value,note\nip,203.0.113.66,C2\nip,999.0.0.1,bad");
  await list.getByRole("button", { name: "Import CSV" }).click();
  await expect(page.getByRole("alert")).toContainText("Line 3");
  await list.getByLabel("CSV for C2 servers").fill("type,value,note\nip,203.0.113.66,C2\ndomain,c2[.]bad.example,kit");
  await list.getByRole("button", { name: "Import CSV" }).click();
  await expect(page.getByRole("status")).toContainText("2 added");
  await expect(list).toContainText("2 entries");
  await checkA11y(page);

  const ctx = await browser.newContext();
  const sam = await ctx.newPage();
  await signIn(sam, "sam", "sam's long passphrase");
  await expect(sam.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await sam.goto("/cases/new");
  await hydrated(sam);
  await sam.getByLabel("Title").fill("Quokka beacon to known C2");
  await sam.getByLabel("Playbook").selectOption({ label: "Phishing" });
  await sam.getByRole("button", { name: "Open case" }).click();
  await expect(sam.getByRole("heading", { level: 1 })).toContainText("Quokka beacon");
  await hydrated(sam);
  await caseTab(sam, "Tasks");
  await expect(sam.getByRole("region", { name: /Tasks/ })).toContainText("Block the sender");
  const observables = sam.getByRole("region", { name: /Observables/ });
  await caseTab(sam, "Observables");
  await observables.getByLabel("Value").fill("203.0.113.66");
  await observables.getByRole("button", { name: "Add observable" }).click();
  await expect(observables.locator("tr.watchlisted")).toContainText("C2 servers");
  await caseTab(sam, "Timeline");
  await expect(sam.locator("ol.timeline")).toContainText("on watchlist C2 servers");

  await sam.getByRole("link", { name: "Search" }).click();
  await hydrated(sam);
  await sam.getByLabel("Words").fill("quokka");
  await sam.getByRole("button", { name: "Search" }).click();
  const hits = sam.locator("ol.search-hits");
  await expect(hits.getByRole("link").first()).toContainText("Quokka beacon to known C2");
  await expect(hits.locator("mark").first()).toHaveText(/quokka/i);
  await checkA11y(sam);
  await ctx.close();
});
