// The evidence locker in a real browser: an analyst drops one file and picks another, uploads
// both with a progress bar each, sees the SHA-256 computed on arrival (checked here against
// the files' own hashes), transfers custody of one, downloads it, gets the same bytes back,
// and sees the download and the automatic hash verification on its chain of custody.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ADMIN, caseTab, checkA11y, createAccount, expect, hydrated, signIn, test } from "./fixtures";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

test("an analyst uploads evidence, transfers custody and downloads it", async ({ page, browser }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await createAccount(page, "evan", "Evan Evidence", "evan's long passphrase", "2");

  const ctx = await browser.newContext({ acceptDownloads: true });
  const evan = await ctx.newPage();
  const errors: string[] = [];
  evan.on("pageerror", (e) => errors.push(String(e)));
  await signIn(evan, "evan", "evan's long passphrase");
  await expect(evan.getByRole("heading", { name: /Welcome/ })).toBeVisible();

  await evan.goto("/cases/new");
  await hydrated(evan);
  await evan.getByLabel("Title").fill("Ransomware on file server FS-01");
  await evan.getByLabel("Severity").selectOption("critical");
  await evan.getByRole("button", { name: "Open case" }).click();
  await expect(evan.getByRole("heading", { level: 1 })).toContainText("Ransomware on file server FS-01");
  await hydrated(evan);

  // Two files: a 6 MB memory excerpt (dropped) and a small log (picked).
  const memory = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i < memory.length; i += 4096) memory.writeUInt32LE(i, i);
  const log = Buffer.from("2027-01-15T07:58:01Z FS-01 vssadmin delete shadows /all /quiet\n".repeat(40));

  const evidence = evan.getByRole("region", { name: /Evidence/ });
  await caseTab(evan, "Evidence");
  await evidence.getByLabel("Collected from (host or system)").fill("FS-01");
  await evidence.getByLabel("Description").fill("Acquired with the IR kit before isolation");
  const drop = await evan.evaluateHandle((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "fs01-excerpt.mem", { type: "application/octet-stream" }));
    return dt;
  }, memory.toString("base64"));
  await evan.getByTestId("drop-zone").dispatchEvent("drop", { dataTransfer: drop });
  await evan.getByTestId("evidence-files").setInputFiles({ name: "security.log", mimeType: "text/plain", buffer: log });
  const rows = evan.getByTestId("upload-row");
  await expect(rows).toHaveCount(2);
  await expect(evan.getByLabel("Type of fs01-excerpt.mem")).toHaveValue("memory_dump");
  await expect(evan.getByLabel("Type of security.log")).toHaveValue("log");

  await evidence.getByRole("button", { name: "Upload 2 files" }).click();
  await expect(evan.getByTestId("upload-done")).toHaveCount(2, { timeout: 30_000 });
  for (const name of ["fs01-excerpt.mem", "security.log"]) {
    await expect(evan.getByLabel(`Upload progress of ${name}`)).toHaveJSProperty("value", 1);
  }
  await expect(rows.nth(0)).toContainText(sha256(memory));
  await expect(rows.nth(1)).toContainText(sha256(log));
  const listed = evan.getByTestId("evidence-sha256");
  await expect(listed).toHaveCount(2);
  await expect(listed.nth(0)).toHaveText(sha256(memory));
  await expect(listed.nth(1)).toHaveText(sha256(log));
  await caseTab(evan, "Timeline");
  await expect(evan.locator("ol.timeline")).toContainText(`Evidence added: security.log`);
  await caseTab(evan, "Evidence");

  // The item page: hashes, then a custody transfer with its reason.
  await evidence.getByRole("link", { name: "security.log" }).click();
  await expect(evan.getByRole("heading", { level: 1 })).toContainText("security.log");
  await hydrated(evan);
  await expect(evan.getByTestId("item-sha256")).toHaveText(sha256(log));
  await expect(evan.getByTestId("custodian")).toHaveText("evan");
  await evan.getByTestId("transfer-to").fill("Forensics lab (Acme Ltd)");
  await evan.getByTestId("transfer-reason").fill("Timeline reconstruction");
  await evan.getByRole("button", { name: "Record transfer" }).click();
  await expect(evan.getByTestId("custodian")).toHaveText("Forensics lab (Acme Ltd)");
  const actions = evan.getByTestId("custody-action");
  await expect(actions).toHaveText(["Collected", "Received", "Transferred"]);

  // Download: the same bytes, saved as an attachment; the access is on the chain.
  const [download] = await Promise.all([evan.waitForEvent("download"), evan.getByTestId("download").click()]);
  expect(download.suggestedFilename()).toBe("security.log");
  const saved = readFileSync((await download.path())!);
  expect(sha256(saved)).toBe(sha256(log));
  await expect(actions).toHaveText(["Collected", "Received", "Transferred", "Downloaded", "Hash verified"]);
  await expect(evan.getByTestId("custody-event").nth(3)).toContainText("evan");

  // The printable custody form lists the same chain.
  const form = await evan.request.get(`${evan.url()}/custody-form`);
  expect(form.status()).toBe(200);
  const html = await form.text();
  expect(html).toContain(sha256(log));
  expect(html).toContain("Forensics lab (Acme Ltd)");

  await checkA11y(evan);
  expect(errors).toEqual([]);
  await ctx.close();
});
