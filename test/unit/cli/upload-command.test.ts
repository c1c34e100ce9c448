import { describe, expect, it } from "vitest";
import { splitUploadArgs } from "../../../src/cli/commands/upload-command.js";
import { UsageError } from "../../../src/errors.js";

describe("splitUploadArgs: <file>... <s3url>", () => {
  it("the last path is the destination, the others are the files", () => {
    expect(splitUploadArgs(["a.bak", "b.bak", "s3://b/p/"])).toEqual({
      files: ["a.bak", "b.bak"],
      s3url: "s3://b/p/",
    });
    expect(splitUploadArgs(["-", "s3://b/k"])).toEqual({ files: ["-"], s3url: "s3://b/k" });
  });

  it("Precondition: upload names at least one file and a destination.", () => {
    for (const paths of [[], ["a.bak"]]) {
      expect(() => splitUploadArgs(paths)).toThrow(UsageError);
      expect(() => splitUploadArgs(paths)).toThrow(/upload needs a file \(or -\) and a destination/);
    }
  });
});
