// Set-up errors are one line naming the problem and the fix, and leave nothing behind: a port in use, a missing runtime,
// an unwritable output folder.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, launchServer, liveServerCount } from "@wsarena/stacks";
import { checkWritableDir } from "@wsarena/results";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("set-up errors", () => {
  it("a port in use: one line naming the port, EADDRINUSE and the fix, and no server left running", { timeout: 30_000 }, async () => {
    const holder: Server = createServer();
    await new Promise<void>((res) => holder.listen(0, "127.0.0.1", res));
    const port = (holder.address() as { port: number }).port;
    try {
      const ws = discoverStacks().find((s) => s.id === "ws")!;
      const err = await launchServer(ws, { port }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use \\(EADDRINUSE\\); stop the process holding it`));
      expect(err!.message.split("\n")).toHaveLength(1);
      expect(liveServerCount()).toBe(0);
    } finally {
      holder.close();
    }
  });

  it("a missing runtime: discovery marks the stack not runnable, naming the command and the fix; launch refuses in one line", async () => {
    const root = fileURLToPath(new URL("./fixtures/setup", import.meta.url));
    const [stack] = discoverStacks(root);
    expect(stack!.runnable).toBe(false);
    expect(stack!.reason).toBe('command "wsarena-no-such-runtime" not found (run pnpm install)');
    const err = await launchServer(stack!).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toBe('stack missing-runtime cannot run here: command "wsarena-no-such-runtime" not found (run pnpm install)');
  });

  it("an unwritable output folder: one line naming the folder, the system error and --out, and nothing created", () => {
    const base = mkdtempSync(join(tmpdir(), "wsarena-setup-"));
    dirs.push(base);
    const file = join(base, "a-file");
    writeFileSync(file, "");
    const target = join(file, "results", "run");
    expect(() => checkWritableDir(target)).toThrow(
      new RegExp(`^cannot write the result set to ${target} \\(ENOTDIR: .*\\); choose a folder you can write to with --out$`),
    );
    expect(existsSync(join(base, "results"))).toBe(false);
    const ok = join(base, "new", "run");
    checkWritableDir(ok);
    expect(existsSync(ok)).toBe(true);
  });
});
