// Shaping Casefile to a SOC's process: an admin defines custom fields (an enum, and a field
// required before close) and a case template, and writes an alert rule; an alert arrives by
// the API with customFields and the rule routes it to an analyst, who escalates it with the
// template, fills the required field only when closing refuses, and filters the case list by
// the enum field. Every admin page passes axe.
import { ADMIN, checkA11y, createAccount, createToken, expect, hydrated, signIn, test } from "./fixtures";

test("fields, a template and a rule shape an alert's way into a case", async ({ page, browser, request }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "fran", "Fran Fields", "fran's long passphrase");

  // Custom fields: an enum on cases and alerts, and a boolean required before closing.
  await page.goto("/admin/fields");
  await hydrated(page);
  await checkA11y(page);
  const define = page.getByRole("region", { name: "Define a field" });
  await define.getByLabel("Name (what integrations send)").fill("business_unit");
  await define.getByLabel("Label", { exact: true }).fill("Business unit");
  await define.getByLabel("Type").selectOption("enum");
  await define.getByRole("button", { name: "Define field" }).click();
  await expect(page.getByRole("alert")).toContainText("options");
  await define.getByLabel("Options (enum: one per line)").fill("Finance\nHR");
  await define.getByLabel("Applies to").selectOption("both");
  await define.getByRole("button", { name: "Define field" }).click();
  await expect(page.getByRole("status")).toContainText("Field `business_unit` defined");
  await define.getByLabel("Name (what integrations send)").fill("regulator_notified");
  await define.getByLabel("Label", { exact: true }).fill("Regulator notified");
  await define.getByLabel("Type").selectOption("boolean");
  await define.getByLabel("Options (enum: one per line)").fill("");
  await define.getByLabel("Applies to").selectOption("cases");
  await define.getByLabel("Mandatory").selectOption("before_close");
  await define.getByRole("button", { name: "Define field" }).click();
  await expect(page.getByRole("status")).toContainText("Field `regulator_notified` defined");
  await expect(page.getByRole("cell", { name: "regulator_notified", exact: true })).toBeVisible();

  // A case template naming a shipped playbook.
  await page.goto("/admin/templates");
  await hydrated(page);
  await checkA11y(page);
  const newTemplate = page.getByRole("region", { name: "New template" });
  await newTemplate.getByLabel("Name", { exact: true }).fill("Insider threat");
  await newTemplate.getByLabel("Title prefix").fill("[Insider] ");
  await newTemplate.getByLabel("Playbooks (names, comma-separated)").fill("Data exfiltration");
  await newTemplate.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("region", { name: "Insider threat" })).toBeVisible();

  // A rule: alerts from the DLP go to fran, tagged.
  await page.goto("/admin/rules");
  await hydrated(page);
  await checkA11y(page);
  const newRule = page.getByRole("region", { name: "New rule" });
  await newRule.getByLabel("Name", { exact: true }).fill("DLP to fran");
  await newRule.getByLabel("Source", { exact: true }).fill("dlp");
  await newRule.getByLabel("Then").selectOption("route");
  await newRule.getByLabel("Assign to").fill("fran");
  await newRule.getByLabel("Add tags").fill("routed");
  await newRule.getByRole("button", { name: "Try on the last 7 days" }).click();
  await expect(page.getByTestId("dry-run")).toContainText(/Would have matched 0 of the \d+ alerts/);
  await newRule.getByLabel("Switched on").check();
  await newRule.getByRole("button", { name: "Create rule" }).click();
  await expect(page.getByRole("cell", { name: "DLP to fran", exact: true })).toBeVisible();

  // The alert arrives with its custom field.
  const token = await createToken(page, "dlp-e2e");
  const res = await request.post("/api/alerts", {
    data: { source: "dlp", source_ref: "dlp-1", title: "Bulk download to USB", severity: "high",
      custom_fields: { business_unit: "HR" } },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status()).toBe(201);

  const ctx = await browser.newContext();
  const fran = await ctx.newPage();
  const errors: string[] = [];
  fran.on("pageerror", (e) => errors.push(String(e)));
  await signIn(fran, "fran", "fran's long passphrase");
  await expect(fran.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await fran.goto("/alerts?source=dlp&assignee=me");
  await hydrated(fran);
  const row = fran.locator("table.queue tbody tr").filter({ hasText: "Bulk download to USB" });
  await expect(row).toHaveCount(1);
  await row.locator("details.fields summary").click();
  await expect(row.locator("details.fields dd")).toHaveText("HR");

  // Escalated with the template.
  await row.getByRole("checkbox").check();
  await fran.getByLabel("Template").selectOption({ label: "Insider threat" });
  await fran.getByRole("button", { name: "Escalate to new case" }).click();
  const opened = fran.getByRole("status").filter({ hasText: "Opened case" });
  await expect(opened).toBeVisible();
  const number = (await opened.getByRole("link").textContent())!.trim();
  await fran.goto(`/cases/${number}`);
  await hydrated(fran);
  await expect(fran.getByRole("heading", { level: 1 })).toContainText("[Insider] Bulk download to USB");
  await expect(fran.getByTestId("custom-fields")).toContainText("HR");
  await checkA11y(fran);

  // Closing waits for the required field, and says which.
  await fran.getByRole("button", { name: "Close…" }).click();
  await fran.getByLabel("Summary").fill("Approved backup, no data left.");
  await fran.getByRole("button", { name: "Close case" }).click();
  await expect(fran.getByRole("alert")).toContainText("Regulator notified");
  await expect(fran.getByTestId("case-status")).not.toHaveText("Closed");
  await fran.getByText("Edit custom fields").click();
  await fran.getByLabel("Regulator notified (required to close a case)").selectOption("false");
  await fran.getByRole("button", { name: "Save fields" }).click();
  await expect(fran.getByTestId("custom-fields")).toContainText("No");
  await fran.getByRole("button", { name: "Close…" }).click();
  await fran.getByLabel("Summary").fill("Approved backup, no data left.");
  await fran.getByRole("button", { name: "Close case" }).click();
  await expect(fran.getByTestId("case-status")).toHaveText("Closed");

  // The case list filters by the field.
  await fran.goto("/cases?status=any");
  await hydrated(fran);
  await fran.getByLabel("Custom field").selectOption("business_unit");
  await fran.getByLabel("is", { exact: true }).fill("HR");
  await fran.getByRole("button", { name: "Filter" }).click();
  await expect(fran.getByRole("link", { name: number })).toBeVisible();
  await fran.getByLabel("is", { exact: true }).fill("Finance");
  await fran.getByRole("button", { name: "Filter" }).click();
  await expect(fran.getByText("No cases match.")).toBeVisible();
  expect(errors).toEqual([]);
  await ctx.close();
});
