// Alert triage: a forwarder posts alerts through the REST API; a tier 1 analyst sees them in the
// queue (critical first), reads a raw payload as inert text, gives one a false-positive verdict,
// and a newly posted alert appears without a reload.
import { ADMIN, checkA11y, createAccount, createToken, expect, hydrated, signIn, test } from "./fixtures";

const alert = (ref: string, severity: string, title: string) => ({
  source: "wazuh",
  source_ref: ref,
  rule: "5710",
  title,
  severity,
  observables: [{ type: "ip", value: "203.0.113[.]7" }],
  raw: { full_log: "<script>window.__pwned = true</script>", agent: { name: "web-01" } },
});

test("a tier 1 analyst triages alerts posted by a forwarder", async ({ page, browser, request }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  const token = await createToken(page, "wazuh-e2e");
  await createAccount(page, "tom", "Tom Triage", "tom's long passphrase");

  const post = (body: unknown) =>
    request.post("/api/alerts", { data: body, headers: { Authorization: `Bearer ${token}` } });
  const res = await post([
    alert("e2e-1", "low", "Failed login burst"),
    alert("e2e-2", "critical", "Ransomware note written"),
    alert("e2e-3", "medium", "Port scan from partner VPN"),
  ]);
  expect(res.status()).toBe(200);
  expect((await res.json()).created).toBe(3);

  const ctx = await browser.newContext();
  const analyst = await ctx.newPage();
  const errors: string[] = [];
  analyst.on("pageerror", (e) => errors.push(String(e)));
  await signIn(analyst, "tom", "tom's long passphrase");
  await expect(analyst.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await analyst.getByRole("link", { name: "Alerts" }).click();
  await expect(analyst.getByRole("heading", { name: "Alert queue" })).toBeVisible();
  await hydrated(analyst);
  const rows = analyst.locator("table.queue tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText("Ransomware note written");
  await expect(rows.first()).toContainText("ip:203.0.113.7");
  await checkA11y(analyst);

  // The raw payload is shown as text; its script never runs.
  const scan = rows.filter({ hasText: "Port scan from partner VPN" });
  await scan.locator("summary", { hasText: "Raw" }).click();
  await expect(scan.locator("pre.raw-json")).toContainText("<script>window.__pwned = true</script>");
  expect(await analyst.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();

  // False positive with a reason: it leaves the "new" queue.
  await scan.getByRole("checkbox").check();
  await expect(analyst.getByText("1 selected")).toBeVisible();
  await analyst.getByLabel("Verdict").selectOption("false_positive");
  await analyst.getByLabel("Reason").fill("Partner VPN range, scheduled scan");
  await analyst.getByRole("button", { name: "Apply verdict" }).click();
  await expect(rows).toHaveCount(2);
  await expect(analyst.getByText("Port scan from partner VPN")).toHaveCount(0);

  // A verdict without a reason is refused with a message.
  await rows.first().getByRole("checkbox").check();
  await analyst.getByRole("button", { name: "Apply verdict" }).click();
  await expect(analyst.getByRole("alert")).toContainText("Give a reason");
  await expect(rows).toHaveCount(2);
  await expect(analyst.getByText("1 selected")).toBeVisible();

  // Assign it to me instead: it moves on to "in progress" and out of the new queue.
  await analyst.getByRole("button", { name: "Assign to me" }).click();
  await expect(rows).toHaveCount(1);

  // Closed alerts are one filter away, with their verdict.
  await analyst.getByLabel("Status").selectOption("closed");
  await analyst.getByLabel("Source").fill("wazuh");
  await analyst.getByRole("button", { name: "Filter" }).click();
  await expect(analyst).toHaveURL(/status=closed/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("False positive");

  // Back on the new queue, a freshly posted alert shows up without a reload.
  await analyst.getByLabel("Status").selectOption("new");
  await analyst.getByRole("button", { name: "Filter" }).click();
  await expect(rows).toHaveCount(1);
  expect((await post(alert("e2e-4", "high", "Beacon to known C2"))).status()).toBe(201);
  await expect(rows.filter({ hasText: "Beacon to known C2" })).toHaveCount(1, { timeout: 15_000 });

  // Keyboard: j moves the cursor, x selects, ? shows the shortcuts, Esc hides them.
  await analyst.getByRole("button", { name: "Filter" }).focus();
  await analyst.keyboard.press("j");
  await expect(rows.first()).toHaveClass(/cursor/);
  await analyst.keyboard.press("x");
  await expect(analyst.getByText("1 selected")).toBeVisible();
  await analyst.keyboard.press("x");
  await expect(analyst.getByText("0 selected")).toBeVisible();
  await analyst.keyboard.press("?");
  await expect(analyst.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await checkA11y(analyst);
  await analyst.keyboard.press("Escape");
  await expect(analyst.getByRole("dialog", { name: "Keyboard shortcuts" })).toHaveCount(0);

  // The rule owners' view: the verdict shows up against rule 5710.
  await analyst.getByRole("link", { name: "Detection rule feedback" }).click();
  const rule = analyst.getByRole("row", { name: /5710/ });
  await expect(rule).toContainText("100 %");
  await checkA11y(analyst);
  expect(errors).toEqual([]);
  await ctx.close();
});
