import { describe, expect, it } from "vitest";
import { targetsUnderPrefix } from "../../../src/cli/commands/verify.js";

describe("targetsUnderPrefix", () => {
  it("skips instruction files of listed objects and folder markers", () => {
    expect(targetsUnderPrefix(["a/", "a/x", "a/x.instruction", "a/y.instruction"])).toEqual([
      "a/x",
      "a/y.instruction",
    ]);
  });
});
