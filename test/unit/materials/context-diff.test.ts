import { describe, expect, it } from "vitest";
import { describeContextDifference } from "../../../src/materials/context-diff.js";

describe("describeContextDifference", () => {
  it("names differing values (both sides), missing and unexpected keys", () => {
    expect(describeContextDifference({ db: "Sales", team: "x" }, { db: "HR", env: "prod" })).toBe(
      'db: supplied "Sales", object has "HR"; missing (the object has them, not supplied): env; not in the object\'s context: team',
    );
  });
  it("says only what differs", () => {
    expect(describeContextDifference({ a: "1", b: "2" }, { a: "1", b: "3" })).toBe(
      'b: supplied "2", object has "3"',
    );
  });
});
