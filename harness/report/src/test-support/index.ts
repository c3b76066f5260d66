// Test support for packages that test against result sets: SYNTHETIC result sets with controlled differences and the
// real fixture. Not part of the report API.
export * from "./synthetic.ts";
export * from "./fixture.ts";
