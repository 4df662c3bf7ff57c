// Shared fixtures: every page error fails the test (that is how broken hydration shows), and
// `checkA11y` runs axe-core and fails on serious or critical violations.
import AxeBuilder from "@axe-core/playwright";
import { test as base, Browser, expect, Page } from "@playwright/test";

export const ADMIN = { username: "e2e-admin", password: process.env.E2E_ADMIN_PASSWORD ?? "e2e admin passphrase" };

export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await use(errors);
      expect(errors, "no JavaScript/wasm errors on the page").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the wasm has hydrated the page (the body gets `data-hydrated`). */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

/** On a case page: opens one of its sections (each has its own URL) and waits for it. */
export async function caseTab(page: Page, name: "Timeline" | "Observables" | "Tasks" | "Evidence") {
  await page.getByRole("navigation", { name: "Case sections" }).getByRole("link", { name: new RegExp(`^${name}`) }).click();
  await expect(page.getByRole("heading", { level: 2, name: new RegExp(`^${name}`) })).toBeVisible();
}

export async function signIn(page: Page, username: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function checkA11y(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

/** As a signed-in admin: creates an account through the accounts page. */
export async function createAccount(page: Page, username: string, displayName: string, password: string, tier = "1", role = "analyst") {
  await page.goto("/admin/accounts");
  await hydrated(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByLabel("Tier (analysts)").selectOption(role === "analyst" ? tier : "");
  await page.getByLabel("Initial password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("status")).toContainText(`Created ${username}`);
}

/** As a signed-in admin: creates an API token with the given extra scopes and returns it. */
export async function createToken(page: Page, name: string, extraScopes: string[] = []) {
  await page.goto("/admin/tokens");
  await hydrated(page);
  await page.getByLabel("Name (e.g. the forwarder it is for)").fill(name);
  for (const scope of extraScopes) await page.getByLabel(scope).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const token = page.getByTestId("new-token");
  await expect(token).toHaveText(/^cf_/);
  return (await token.textContent())!.trim();
}

/**
 * A token that works cases: made by a manager, since a token can do only what its maker's
 * role may (administrators make intake tokens). As a signed-in admin: creates the manager,
 * who creates the token in a context of its own.
 */
export async function managerToken(page: Page, browser: Browser, name: string, scopes: string[]) {
  const manager = `${name}-owner`.slice(0, 32);
  const password = `${manager}'s long passphrase`;
  await createAccount(page, manager, `Owner of ${name}`, password, "", "manager");
  const context = await browser.newContext();
  const managerPage = await context.newPage();
  await signIn(managerPage, manager, password);
  await expect(managerPage.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  const token = await createToken(managerPage, name, scopes);
  await context.close();
  return token;
}
