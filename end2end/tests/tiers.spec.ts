// Working in tiers: a tier 1 analyst claims a case and escalates it with a handover note; a
// tier 2 analyst is notified, finds it in the tier 2 queue and accepts it; an SLA breach (the
// server's test clock moved forward) escalates another case automatically; a shift handover
// is written and acknowledged by the incoming analyst.
import { ADMIN, checkA11y, createAccount, expect, managerToken, hydrated, signIn, test } from "./fixtures";
import type { Page } from "@playwright/test";

async function siemCase(page: Page, token: string, title: string, severity: number) {
  const res = await page.request.post("/thehive/api/v1/case", {
    headers: { Authorization: `Bearer ${token}` },
    data: { title, description: "Raised by the SIEM correlation rule", severity },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).extraData.caseNumber as string;
}

test("T1 escalates, T2 accepts, an SLA breach escalates, a handover is acknowledged", async ({ page, browser }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "tina", "Tina Triage", "tina's long passphrase", "1");
  await createAccount(page, "otto", "Otto Investigator", "otto's long passphrase", "2");
  const token = await managerToken(page, browser, "siem-tiers", ["cases:write"]);

  // The administrator's settings: SLA minutes per severity, shifts, a webhook.
  await page.goto("/admin/sla");
  await hydrated(page);
  await page.getByLabel("high: acknowledge minutes").fill("25");
  await page.getByRole("button", { name: "Save high" }).click();
  await expect(page.getByRole("row", { name: /high/ })).toContainText("e2e-admin");
  await expect(page.getByRole("form", { name: "Shift Early" })).toBeVisible();
  await checkA11y(page);
  await page.goto("/admin/webhooks");
  await hydrated(page);
  await page.getByLabel("Name", { exact: true }).fill("soar-e2e");
  await page.getByLabel("URL").fill("http://127.0.0.1:9/hooks/casefile");
  await page.getByLabel(/Events/).fill("case.escalated");
  await page.getByRole("button", { name: "Add webhook" }).click();
  await expect(page.getByTestId("webhook-secret")).not.toBeEmpty();
  await expect(page.getByRole("row", { name: /soar-e2e/ })).toContainText("case.escalated");
  await checkA11y(page);
  const lateral = await siemCase(page, token, "Admin logins from a new country", 2);
  const idle = await siemCase(page, token, "Mass file renames on a file server", 4);

  // Tier 1 claims the case from its queue and escalates it with a handover note.
  const tinaCtx = await browser.newContext();
  const tina = await tinaCtx.newPage();
  await signIn(tina, "tina", "tina's long passphrase");
  await expect(tina.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await tina.goto("/queues/1");
  await hydrated(tina);
  const row = tina.getByRole("row", { name: new RegExp(lateral) });
  await expect(row).toContainText("Time to acknowledge");
  await checkA11y(tina);
  await row.getByRole("link", { name: lateral }).click();
  await hydrated(tina);
  await tina.getByRole("button", { name: "Claim case" }).click();
  await expect(tina.locator("dl.case-facts")).toContainText("tina");
  await expect(tina.getByRole("list", { name: "SLA clocks" }).getByTestId("sla-acknowledge")).toContainText("met");
  await tina.getByRole("button", { name: "Change tier…" }).click();
  await tina.getByLabel("Reason", { exact: true }).fill("Logins succeeded with MFA bypass");
  await tina.getByLabel(/Handover note/).fill("Checked: sign-in logs, MFA logs. Remains: mailbox rules. Next: reset credentials.");
  await tina.getByRole("button", { name: "Escalate" }).click();
  await expect(tina.getByTestId("pending-move")).toContainText("Waiting for tier 2 to accept");
  await expect(tina.locator("ol.timeline")).toContainText("Escalated to tier 2: Logins succeeded with MFA bypass");

  // Tier 2 is told, finds it in its queue with the note, and accepts it.
  const ottoCtx = await browser.newContext();
  const otto = await ottoCtx.newPage();
  await signIn(otto, "otto", "otto's long passphrase");
  await expect(otto.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await hydrated(otto);
  await expect(otto.getByTestId("unread")).toHaveText("1");
  await otto.getByTestId("bell").click();
  await expect(otto.getByRole("heading", { name: "Notifications" })).toBeVisible();
  await expect(otto.locator("ul.notifications")).toContainText(`${lateral} moved to tier 2`);
  await otto.goto("/queues/2");
  await hydrated(otto);
  const queued = otto.getByRole("row", { name: new RegExp(lateral) });
  await expect(queued).toContainText("from tier 1 by tina");
  await queued.getByText("Handover note").click();
  await expect(queued).toContainText("Remains: mailbox rules");
  await queued.getByRole("link", { name: lateral }).click();
  await hydrated(otto);
  await otto.getByRole("button", { name: "Accept case" }).click();
  await expect(otto.locator("dl.case-facts")).toContainText("otto");
  await expect(otto.locator("ol.timeline")).toContainText("Tier 2 accepted the case (otto)");
  await expect(otto.getByTestId("pending-move")).toHaveCount(0);

  // Nobody picks up the critical case: 16 minutes later its acknowledge clock has breached
  // and it moved to tier 2 by itself.
  await otto.goto(`/cases/${idle}`);
  await hydrated(otto);
  await expect(otto.getByRole("list", { name: "SLA clocks" }).getByTestId("sla-acknowledge")).toContainText("15 min left");
  const moved = await otto.request.post("/__test/clock", {
    data: { minutes: 16 },
    headers: { Origin: new URL(otto.url()).origin },
  });
  expect(moved.status()).toBe(200);
  expect((await moved.json()).breached).toBeGreaterThanOrEqual(1);
  await otto.goto("/queues/2");
  await hydrated(otto);
  const breached = otto.getByRole("row", { name: new RegExp(idle) });
  await expect(breached).toContainText("by system:sla");
  await expect(breached).toContainText("SLA breached: time to acknowledge passed");
  await breached.getByRole("link", { name: idle }).click();
  await hydrated(otto);
  await expect(otto.locator("ol.timeline")).toContainText("SLA breached: time to acknowledge");
  await expect(otto.locator("ol.timeline")).toContainText("Escalated automatically to tier 2");
  await expect(otto.getByRole("list", { name: "SLA clocks" }).getByTestId("sla-acknowledge")).toContainText("breached");

  // Tina hands over her shift; Otto acknowledges it.
  await tina.goto("/handover");
  await hydrated(tina);
  await expect(tina.locator(".handover-summary")).toContainText(lateral);
  await tina.getByLabel(/Notes for the next shift/).fill("Mail gateway patch window 02:00-04:00. Watch the VPN concentrator.");
  await tina.getByRole("button", { name: "Write handover" }).click();
  await expect(tina.getByRole("status")).toContainText("shift written");
  await checkA11y(tina);

  await otto.goto("/handover");
  await hydrated(otto);
  const waiting = otto.getByRole("region", { name: "Waiting for the incoming analyst" });
  await expect(waiting).toContainText("written by tina");
  await waiting.getByRole("button", { name: "Acknowledge" }).click();
  await expect(waiting).toContainText("Every handover is acknowledged.");
  await otto.getByRole("region", { name: "History" }).getByRole("link").first().click();
  await hydrated(otto);
  await expect(otto.getByTestId("handover-notes")).toContainText("Watch the VPN concentrator");
  await expect(otto.getByTestId("acknowledged")).toContainText("by otto");
  await checkA11y(otto);

  await tinaCtx.close();
  await ottoCtx.close();
});
