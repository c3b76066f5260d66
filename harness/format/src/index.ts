// @wsarena/format: numbers and durations as text, both ways (depends on nothing, so every package may use it).
export * from "./duration.ts";
export * from "./numbers.ts";
