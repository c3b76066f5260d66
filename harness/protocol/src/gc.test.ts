import { describe, expect, it } from "vitest";
import { v8FullGc } from "./gc.ts";

describe("v8FullGc", () => {
  it("is null when the endpoint is off, and a working gc() when it is on", () => {
    expect(v8FullGc(false)).toBeNull();
    const gc = v8FullGc(true);
    expect(typeof gc).toBe("function");
    gc!();
  });
});
