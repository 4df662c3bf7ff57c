// Escalation: alerts posted by a forwarder; an analyst escalates one into a new case, merges
// another into that case by its number, opens the case and sees both alerts on its timeline
// with their observables, and adds a note whose markup stays inert text.
import { ADMIN, caseTab, checkA11y, createAccount, createToken, expect, hydrated, signIn, test } from "./fixtures";

const alert = (ref: string, title: string, ip: string) => ({
  source: "suricata",
  source_ref: ref,
  rule: "ET-2024-1",
  title,
  severity: "high",
  observables: [{ type: "ip", value: ip }, { type: "hostname", value: "db-07" }],
});

test("an analyst escalates one alert to a case and merges another into it", async ({ page, browser, request }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  const token = await createToken(page, "suricata-e2e");
  await createAccount(page, "esme", "Esme Escalate", "esme's long passphrase");
  const res = await request.post("/api/alerts", {
    data: [
      alert("esc-1", "Exfiltration over DNS", "198.51.100.9"),
      alert("esc-2", "Exfiltration over DNS (second sensor)", "198.51.100.10"),
    ],
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status()).toBe(200);

  const ctx = await browser.newContext();
  const analyst = await ctx.newPage();
  const errors: string[] = [];
  analyst.on("pageerror", (e) => errors.push(String(e)));
  await signIn(analyst, "esme", "esme's long passphrase");
  await expect(analyst.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await analyst.goto("/alerts?source=suricata");
  await hydrated(analyst);
  const rows = analyst.locator("table.queue tbody tr");
  await expect(rows).toHaveCount(2);

  // Escalating needs exactly one selected alert.
  const first = rows.filter({ hasText: "Exfiltration over DNS" }).filter({ hasNotText: "second sensor" });
  await first.getByRole("checkbox").check();
  await analyst.getByRole("button", { name: "Escalate to new case" }).click();
  const opened = analyst.getByRole("status").filter({ hasText: "Opened case" });
  await expect(opened).toBeVisible();
  const number = (await opened.getByRole("link").textContent())!.trim();
  expect(number).toMatch(/^CF-\d{4}-\d{6}$/);
  await expect(rows).toHaveCount(1);

  // Merging into an unknown case is refused with a message and changes nothing.
  await rows.first().getByRole("checkbox").check();
  await analyst.getByLabel("Case", { exact: true }).fill("CF-1999-000999");
  await analyst.getByRole("button", { name: "Merge into case" }).click();
  await expect(analyst.getByRole("alert")).toContainText("There is no case");
  await expect(rows).toHaveCount(1);

  await analyst.getByLabel("Case", { exact: true }).fill(number);
  await analyst.getByRole("button", { name: "Merge into case" }).click();
  const merged = analyst.getByRole("status").filter({ hasText: "Merged into case" });
  await expect(merged).toBeVisible();
  await expect(rows).toHaveCount(0);

  // The case: the first alert's fields, both alerts' observables, both on the timeline.
  await merged.getByRole("link", { name: number }).click();
  await expect(analyst.getByRole("heading", { level: 1 })).toContainText("Exfiltration over DNS");
  await hydrated(analyst);
  await expect(analyst.getByTestId("case-status")).toHaveText("New");
  const observables = analyst.getByRole("region", { name: /Observables/ });
  await caseTab(analyst, "Observables");
  await expect(observables).toContainText("198.51.100.9");
  await expect(observables).toContainText("198.51.100.10");
  await expect(observables.getByText("db-07")).toHaveCount(1);
  const timeline = analyst.locator("ol.timeline");
  await caseTab(analyst, "Timeline");
  await expect(timeline.locator(".event-alert_linked")).toHaveCount(2);
  await expect(timeline).toContainText("merged");
  await checkA11y(analyst);

  // A Markdown note is rendered; a script in it is removed by the server's sanitizer and never runs.
  await analyst
    .getByLabel("Add a note")
    .fill("Checked **DNS** logs <script>window.__pwned = true</script> <img src=x onerror=\"window.__pwned = true\">");
  await analyst.getByRole("button", { name: "Add note" }).click();
  const note = timeline.locator(".event-note .note-body");
  await expect(note.locator("strong")).toHaveText("DNS");
  await expect(note.locator("script")).toHaveCount(0);
  await expect(note.locator("img")).toHaveCount(0);
  expect(await analyst.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();

  // Observables: a wrong value for its type is refused with why; a defanged one is refanged.
  await caseTab(analyst, "Observables");
  await observables.getByLabel("Type").selectOption("ip");
  await observables.getByLabel("Value").fill("999.1.1.1");
  await observables.getByRole("button", { name: "Add observable" }).click();
  await expect(analyst.getByRole("alert")).toContainText("not an IPv4 or IPv6 address");
  await observables.getByLabel("Type").selectOption("domain");
  await observables.getByLabel("Value").fill("exfil[.]example");
  await observables.getByRole("button", { name: "Add observable" }).click();
  await expect(observables).toContainText("exfil.example");
  await caseTab(analyst, "Timeline");
  await expect(timeline).toContainText("Observable added: domain exfil.example");

  // A containment task, done: on the timeline.
  await caseTab(analyst, "Tasks");
  await analyst.getByLabel("Task", { exact: true }).fill("Isolate db-07");
  await analyst.getByLabel("Group").fill("containment");
  await analyst.getByRole("button", { name: "Add task" }).click();
  await analyst.getByLabel("Status of Isolate db-07").selectOption("done");
  await caseTab(analyst, "Timeline");
  await expect(timeline).toContainText("Task done: Isolate db-07");

  // The lifecycle: forward, closed with a verdict and summary, reopening needs a reason.
  // Each action opens in a dialog from the case header; Escape closes one unused.
  await analyst.getByRole("button", { name: "Move phase…" }).click();
  const move = analyst.getByRole("dialog", { name: "Move to another phase" });
  await expect(move).toBeVisible();
  await checkA11y(analyst);
  await analyst.keyboard.press("Escape");
  await expect(move).toBeHidden();
  await analyst.getByRole("button", { name: "Move phase…" }).click();
  await move.getByLabel("Move to").selectOption("investigating");
  await move.getByRole("button", { name: "Move", exact: true }).click();
  await expect(analyst.getByTestId("case-status")).toHaveText("Investigating");
  await analyst.getByRole("button", { name: "Close…" }).click();
  await analyst.getByRole("button", { name: "Close case" }).click();
  await expect(analyst.getByRole("alert")).toContainText("closing summary");
  await analyst.getByRole("button", { name: "Close…" }).click();
  await analyst.getByLabel("Summary").fill("DNS tunnel blocked; host reimaged.");
  await analyst.getByRole("button", { name: "Close case" }).click();
  await expect(analyst.getByTestId("case-status")).toHaveText("Closed");
  await expect(analyst.getByRole("button", { name: "Add note" })).toHaveCount(0);
  await analyst.getByRole("button", { name: "Reopen…" }).click();
  await analyst.getByRole("button", { name: "Reopen case" }).click();
  await expect(analyst.getByRole("alert")).toContainText("reason for reopening");
  await checkA11y(analyst);

  // And it is in the case list (closed cases are one filter away).
  await analyst.getByRole("link", { name: "Cases", exact: true }).click();
  await expect(analyst.getByRole("link", { name: number })).toHaveCount(0);
  await analyst.getByLabel("Status").selectOption("closed");
  await analyst.getByRole("button", { name: "Filter" }).click();
  await expect(analyst.getByRole("link", { name: number })).toBeVisible();
  await checkA11y(analyst);
  expect(errors).toEqual([]);
  await ctx.close();
});
