// Account administration: an admin creates an analyst, who then signs in and sees the pages an
// analyst may see (and not the admin ones); the account and token pages pass axe; a token
// acting for an account works as it, and the API reference page is served from here.
import { ADMIN, checkA11y, createAccount, expect, hydrated, signIn, test } from "./fixtures";

test("an admin creates an analyst who then signs in", async ({ page, browser }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await page.getByRole("link", { name: "Accounts" }).click();
  await expect(page.getByRole("heading", { name: "Accounts", level: 1 })).toBeVisible();
  await hydrated(page);
  await checkA11y(page);

  // Bad input first: a short password is refused with a message and nothing is created.
  await page.getByLabel("Username").fill("tara");
  await page.getByLabel("Display name").fill("Tara Tier-One");
  await page.getByLabel("Role", { exact: true }).selectOption("analyst");
  await page.getByLabel("Tier (analysts)").selectOption("1");
  await page.getByLabel("Initial password").fill("short");
  // The browser's own minlength check would stop the form; bypass it to reach the server's.
  await page.locator("form.grid-form").evaluate((f) => f.setAttribute("novalidate", ""));
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("alert")).toContainText("too short");
  await expect(page.getByRole("cell", { name: "tara" })).toHaveCount(0);

  await page.getByLabel("Initial password").fill("tara's long passphrase");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("status")).toContainText("Created tara");
  await expect(page.getByRole("cell", { name: "tara", exact: true })).toBeVisible();

  const analyst = await browser.newContext();
  const p2 = await analyst.newPage();
  const errors: string[] = [];
  p2.on("pageerror", (e) => errors.push(String(e)));
  await signIn(p2, "tara", "tara's long passphrase");
  await expect(p2.getByRole("heading", { name: "Welcome, Tara Tier-One" })).toBeVisible();
  await expect(p2.getByText("Analyst · Tier 1").first()).toBeVisible();
  await expect(p2.getByRole("link", { name: "Accounts" })).toHaveCount(0);
  await p2.goto("/admin/accounts");
  await expect(p2.getByRole("heading", { name: "Not available" })).toBeVisible();
  await p2.goto("/account");
  await hydrated(p2);
  await expect(p2.getByRole("heading", { name: "Change password" })).toBeVisible();
  await checkA11y(p2);
  expect(errors).toEqual([]);
  await analyst.close();
});

test("an admin creates an API token that is shown once", async ({ page }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await page.getByRole("link", { name: "API tokens" }).click();
  await hydrated(page);
  await page.getByLabel("Name (e.g. the forwarder it is for)").fill("wazuh-forwarder");
  // An administrator makes intake tokens; reading alerts is beyond the role, and says so.
  await page.getByLabel("alerts:read").check();
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByRole("alert")).toContainText("cannot give a token the scope alerts:read");
  await page.getByLabel("alerts:read").uncheck();
  await page.getByRole("button", { name: "Create token" }).click();
  const token = page.getByTestId("new-token");
  await expect(token).toHaveText(/^cf_/);
  await expect(page.getByRole("cell", { name: "wazuh-forwarder", exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: "alerts:write", exact: true })).toBeVisible();
  await checkA11y(page);
  await page.getByRole("button", { name: "Revoke wazuh-forwarder" }).click();
  await expect(page.getByText(/^Revoked /)).toBeVisible();
});

test("an admin makes a playbook token acting for an analyst; the API reference is browsable", async ({ page }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "soar-bot", "SOAR playbooks", "soar-bot's long passphrase", "2");
  await page.goto("/admin/tokens");
  await hydrated(page);
  await page.getByLabel("Name (e.g. the forwarder it is for)").fill("soar");
  await page.getByLabel("Acts for account (optional)").fill("soar-bot");
  await page.getByLabel("alerts:write").uncheck();
  await page.getByLabel("cases:write").check();
  await page.getByLabel("cases:tiers").check();
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^cf_/);
  await expect(page.getByRole("cell", { name: "soar-bot", exact: true })).toBeVisible();
  await checkA11y(page);

  // The token works as soar-bot, narrowed to its scopes.
  const who = await page.request.get("/api/whoami", { headers: { Authorization: `Bearer ${token}` } });
  expect(await who.json()).toMatchObject({ kind: "token", acts_for: "soar-bot", name: "soar-bot via token:soar" });
  const opened = await page.request.post("/api/v1/cases", {
    headers: { Authorization: `Bearer ${token}` },
    data: { title: "Opened by a playbook", severity: "medium" },
  });
  expect(opened.status()).toBe(201);
  expect((await opened.json()).created_by).toBe("soar-bot via token:soar");

  // The reference is served by Casefile itself and lists the routes.
  await page.goto("/api/docs/");
  await expect(page.getByRole("heading", { name: /Casefile REST API/ })).toBeVisible();
  await expect(page.getByText("/api/v1/cases/{case}/escalate")).toBeVisible();
});
