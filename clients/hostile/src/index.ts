// @wsarena/hostile: The hostile pass: seeded malformed inputs, the frame rules that say what the contract expects, and the classifier of outcomes.
export * from "./frames.ts";
export * from "./inputs.ts";
export * from "./pass.ts";
