// Account administration: an admin creates an analyst, who then signs in and sees the pages an
// analyst may see (and not the admin ones); the account and token pages pass axe.
import { ADMIN, checkA11y, expect, hydrated, signIn, test } from "./fixtures";

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
