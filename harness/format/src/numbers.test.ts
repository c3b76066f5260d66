import { describe, expect, it } from "vitest";
import { fmtBytes, fmtCount, fmtUs, sig } from "./numbers.ts";

describe("number formatting", () => {
  it("fmtCount moves to the next suffix when rounding reaches it: 999,999 is 1.00M, not 1000k", () => {
    expect(fmtCount(999_999)).toBe("1.00M");
    expect(fmtCount(999_600)).toBe("1.00M");
    expect(fmtCount(999_400)).toBe("999k");
    expect(fmtCount(999.6)).toBe("1.00k");
    expect(fmtCount(999_999_999)).toBe("1.00G");
    expect(fmtCount(-999_999)).toBe("-1.00M");
    expect(fmtCount(1_234_567)).toBe("1.23M");
    expect(fmtCount(114_000)).toBe("114k");
    expect(fmtCount(Number.NaN)).toBe("–");
  });

  it("fmtUs and fmtBytes do the same at their unit boundaries", () => {
    expect(fmtUs(999_999)).toBe("1.00 s");
    expect(fmtUs(999.7)).toBe("1.00 ms");
    expect(fmtUs(850)).toBe("850 µs");
    expect(fmtBytes(1023.6)).toBe("1.00 KiB");
    expect(fmtBytes(2 ** 20 - 1)).toBe("1.00 MiB");
    expect(fmtBytes(1023 * 1024)).toBe("1023 KiB");
    expect(fmtBytes(12.3 * 2 ** 20)).toBe("12.3 MiB");
    expect(fmtBytes(100)).toBe("100 B");
  });

  it("sig keeps three significant digits when rounding adds one: 99.97 → 100, 9.999 → 10.0", () => {
    expect(sig(99.97)).toBe("100");
    expect(sig(9.999)).toBe("10.0");
    expect(sig(0.99951)).toBe("1.00");
    expect(sig(1.234)).toBe("1.23");
    expect(sig(0.5)).toBe("0.500");
    expect(sig(0)).toBe("0");
  });
});
