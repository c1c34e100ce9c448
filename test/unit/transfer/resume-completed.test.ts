import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { multipartEtag } from "../../../src/transfer/resume-completed.js";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

describe("multipartEtag", () => {
  it("is the MD5 of the parts' binary MD5s, then -N (quotes ignored)", () => {
    const parts = [`"${md5("part one")}"`, md5("part two")];
    const whole = createHash("md5")
      .update(Buffer.concat([Buffer.from(md5("part one"), "hex"), Buffer.from(md5("part two"), "hex")]))
      .digest("hex");
    expect(multipartEtag(parts)).toBe(`${whole}-2`);
  });

  it("is undefined when a part ETag is not a plain MD5 (SSE-KMS, SSE-C): the object cannot be matched", () => {
    expect(multipartEtag([md5("a"), "not-an-md5"])).toBeUndefined();
  });
});
