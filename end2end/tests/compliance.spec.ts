// Compliance: a manager writes the post-incident review, opens the incident report and
// downloads its PDF; an auditor finds no edit controls on the case, exports the case bundle,
// and `casefile verify-export` accepts it against the key the audit log page shows.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { ADMIN, checkA11y, createAccount, expect, managerToken, hydrated, signIn, test } from "./fixtures";

const casefileBin = process.env.CASEFILE_BIN ?? "../target/debug/casefile";

test("a manager downloads the report PDF; an auditor exports a bundle that verifies", async ({ page, browser }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "mona", "Mona Manager", "mona's long passphrase", "", "manager");
  await createAccount(page, "audrey", "Audrey Auditor", "audrey's long passphrase", "", "auditor");
  const token = await managerToken(page, browser, "siem-compliance", ["cases:write"]);
  const res = await page.request.post("/thehive/api/v1/case", {
    headers: { Authorization: `Bearer ${token}` },
    data: { title: "Ransomware precursor on FIN-SRV-2", description: "Cobalt Strike beacon seen by EDR", severity: 3 },
  });
  expect(res.status(), await res.text()).toBe(201);
  const created = await res.json();
  const number = created.extraData.caseNumber as string;
  const caseId = (created._id as string).slice(1);

  // The manager writes the review and downloads the report.
  const manager = await (await browser.newContext()).newPage();
  await signIn(manager, "mona", "mona's long passphrase");
  await expect(manager.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await manager.goto(`/cases/${number}`);
  await hydrated(manager);
  await manager.getByText("Report and exports").click();
  await manager.getByRole("link", { name: "Incident report" }).click();
  await expect(manager.getByRole("heading", { name: `Incident report: ${number} Ransomware precursor on FIN-SRV-2` })).toBeVisible();
  await hydrated(manager);
  await manager.getByLabel("Executive summary").fill("Beacon isolated before encryption started.");
  await manager.getByLabel(/Action items/).fill("Patch FIN-SRV-2 | mona | 2027-02-01");
  await manager.getByRole("button", { name: "Save review" }).click();
  await expect(manager.getByRole("status").filter({ hasText: "Review saved." })).toBeVisible();
  await checkA11y(manager);
  await manager.getByLabel("Include observables up to").selectOption("amber");
  const [pdf] = await Promise.all([manager.waitForEvent("download"), manager.getByRole("link", { name: "PDF" }).click()]);
  expect(pdf.suggestedFilename()).toBe(`${number}-incident-report.pdf`);
  const pdfBytes = readFileSync(await pdf.path());
  expect(pdfBytes.subarray(0, 5).toString()).toBe("%PDF-");
  // Opened as a browser opens a link (a bare API request has no Sec-Fetch-Site and is refused).
  const html = await manager.request.get(`/cases/${number}/report.html?tlp=amber`, {
    headers: { "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate" },
  });
  expect(await html.text()).toContain("Beacon isolated before encryption started.");

  // The auditor reads without edit controls and exports the bundle.
  const auditor = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await signIn(auditor, "audrey", "audrey's long passphrase");
  await expect(auditor.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await auditor.goto(`/cases/${number}`);
  await hydrated(auditor);
  await expect(auditor.getByRole("heading", { name: /Ransomware precursor/ })).toBeVisible();
  // Only the timeline's filter (a GET form) remains; nothing that changes the case.
  await expect(auditor.locator('main form:not([method="GET" i])')).toHaveCount(0);
  await expect(auditor.locator("main").getByRole("button", { name: /Add|Save|Close|Claim|Escalate|Upload|Move|Reopen/ })).toHaveCount(0);
  await expect(auditor.locator("main textarea")).toHaveCount(0);
  await auditor.getByText("Report and exports").click();
  const [bundle] = await Promise.all([auditor.waitForEvent("download"), auditor.getByRole("link", { name: "Case bundle", exact: true }).click()]);
  expect(bundle.suggestedFilename()).toBe(`${number}-bundle.zip`);
  const bundlePath = await bundle.path();

  await auditor.goto("/audit?action=case");
  await hydrated(auditor);
  const key = (await auditor.getByTestId("audit-key").textContent())!.trim();
  await expect(auditor.getByRole("cell", { name: "case.exported" }).first()).toBeVisible();
  await auditor.getByRole("button", { name: "Verify the log" }).click();
  await expect(auditor.getByTestId("chain-verdict")).toContainText("Audit log intact");
  await checkA11y(auditor);

  const out = execFileSync(casefileBin, ["verify-export", bundlePath, "--public-key", key]).toString();
  expect(out).toContain("Bundle verified");
});

test("a manager reads the dashboard in both themes and downloads a chart's figures", async ({ page, browser }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "dora", "Dora Director", "dora's long passphrase", "", "manager");
  const token = await managerToken(page, browser, "siem-dashboard", ["cases:write"]);
  const res = await page.request.post("/thehive/api/v1/case", {
    headers: { Authorization: `Bearer ${token}` },
    data: { title: "Credential stuffing on VPN", description: "Many failed logins", severity: 4 },
  });
  expect(res.status(), await res.text()).toBe(201);

  const manager = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await signIn(manager, "dora", "dora's long passphrase");
  await expect(manager.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await manager.getByRole("link", { name: "Dashboard" }).click();
  await expect(manager.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  await hydrated(manager);
  await expect(manager.locator("figure.chart svg")).toHaveCount(10);
  await expect(manager.getByTestId("dashboard-period")).toContainText("30 days");
  // Open cases are counted live: the critical case just opened is there.
  const bySeverity = manager.locator('figure[data-chart="open-by-severity"]');
  await bySeverity.getByText("Figures").click();
  const critical = bySeverity.getByRole("row", { name: /Critical/ });
  await expect(critical).toBeVisible();
  expect(Number(await critical.getByRole("cell").first().textContent())).toBeGreaterThanOrEqual(1);
  await checkA11y(manager);

  // A chosen period carries into the address and the CSV links.
  await manager.getByLabel("From", { exact: true }).fill("2026-01-01");
  await manager.getByLabel("To", { exact: true }).fill("2026-03-31");
  await manager.getByRole("button", { name: "Show" }).click();
  await expect(manager).toHaveURL(/from=2026-01-01&to=2026-03-31/);
  await expect(manager.getByTestId("dashboard-period")).toContainText("2026-01-01 to 2026-03-31 (UTC), 90 days, trends per week");
  const [csv] = await Promise.all([
    manager.waitForEvent("download"),
    manager.locator('figure[data-chart="sla-compliance"]').getByRole("link", { name: "Download CSV" }).click(),
  ]);
  expect(csv.suggestedFilename()).toBe("casefile-sla-compliance-2026-01-01-to-2026-03-31.csv");
  expect(readFileSync(await csv.path()).toString()).toMatch(/^Severity,Compliance \(%\),Met in time,Breached\r?\n/);

  // Chart text takes the theme's colours: light text on the dark theme, dark on the light one.
  const textFill = () => manager.locator("figure.chart svg text.label").first().evaluate((el) => getComputedStyle(el).fill);
  await manager.evaluate(() => document.documentElement.setAttribute("data-theme", "dark"));
  expect(await textFill()).toBe("rgb(230, 237, 243)");
  await manager.evaluate(() => document.documentElement.setAttribute("data-theme", "light"));
  expect(await textFill()).toBe("rgb(27, 31, 36)");
  await checkA11y(manager);
});

test("an auditor's in-app navigation is on the audit log, view by view", async ({ page, browser }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "aurel", "Aurel Auditor", "aurel's long passphrase", "", "auditor");
  const token = await managerToken(page, browser, "siem-auditor-views", ["cases:write"]);
  const res = await page.request.post("/thehive/api/v1/case", {
    headers: { Authorization: `Bearer ${token}` },
    data: { title: "Suspicious OAuth consent grant", description: "Consent to an unknown app", severity: 2 },
  });
  expect(res.status(), await res.text()).toBe(201);
  const created = await res.json();
  const number = created.extraData.caseNumber as string;
  const caseId = (created._id as string).slice(1);

  // Every step after the first page is a client-side navigation: data comes through server
  // functions, not full-page GETs, and each view must still be recorded where it is read.
  const auditor = await (await browser.newContext()).newPage();
  await signIn(auditor, "aurel", "aurel's long passphrase");
  await expect(auditor.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await hydrated(auditor);
  const nav = auditor.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Alerts", exact: true }).click();
  await expect(auditor.getByRole("heading", { name: "Alert queue", level: 1 })).toBeVisible();
  await nav.getByRole("link", { name: "Cases", exact: true }).click();
  await expect(auditor.getByRole("heading", { name: "Cases", level: 1 })).toBeVisible();
  await auditor.locator("main").getByRole("link", { name: number, exact: true }).first().click();
  await expect(auditor.getByRole("heading", { name: /Suspicious OAuth consent grant/ })).toBeVisible();
  await nav.getByRole("link", { name: "Dashboard", exact: true }).click();
  await expect(auditor.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  await nav.getByRole("link", { name: "Handover", exact: true }).click();
  await expect(auditor.getByRole("heading", { name: "Shift handover", level: 1 })).toBeVisible();
  await nav.getByRole("link", { name: "Audit log", exact: true }).click();
  await expect(auditor.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();

  await checkA11y(auditor);

  // The administrator reads the auditor's views back.
  await page.goto("/audit?action=auditor.viewed&actor=aurel");
  await hydrated(page);
  const views = page.getByRole("row").filter({ hasText: "auditor.viewed" });
  for (const object of ["alert_queue", "case_list", "dashboard", "handover_board"]) {
    await expect(views.filter({ has: page.getByRole("cell", { name: object, exact: true }) }).first()).toBeVisible();
  }
  // The case view names the case; its content stays withheld from the administrator.
  await expect(views.filter({ has: page.getByRole("cell", { name: `case ${caseId}`, exact: true }) }).first()).toBeVisible();
});
