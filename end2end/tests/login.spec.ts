// Sign-in flow: a wrong password is refused with a clear message, the right one signs in,
// sign-out returns to the sign-in page and the home page is no longer reachable.
import { ADMIN, checkA11y, expect, hydrated, signIn, test } from "./fixtures";

test("a wrong password is refused with a clear message", async ({ page }) => {
  await signIn(page, ADMIN.username, "definitely not it");
  await expect(page.getByRole("alert")).toHaveText("Wrong username or password.");
  await expect(page).toHaveURL(/\/login$/);
  await checkA11y(page);
});

test("an administrator signs in and out", async ({ page }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: "Welcome, E2E Admin" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Accounts" })).toBeVisible();
  await checkA11y(page);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in to Casefile" })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});

test("the theme can be switched and is kept", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  const html = page.locator("html");
  await page.getByRole("button", { name: /Theme/ }).click();
  await expect(html).toHaveAttribute("data-theme", "light");
  await page.getByRole("button", { name: /Theme/ }).click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await checkA11y(page);
});
