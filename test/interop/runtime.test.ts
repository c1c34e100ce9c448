/** The interop harness itself: a missing official-client runtime fails loudly, it never skips. */
import { describe, expect, test } from "vitest";
import { requireRuntime, runDriver } from "./support/runtime.js";

describe("interop harness", () => {
  test("a missing runtime fails with a message naming the apt packages", () => {
    expect(() =>
      requireRuntime(
        "Ruby",
        ["s3cse-no-such-ruby-binary", "-v"],
        ["ruby", "ruby-aws-sdk-s3", "ruby-aws-sdk-kms"],
      ),
    ).toThrow(/Ruby is not available .*apt-get install -y ruby ruby-aws-sdk-s3 ruby-aws-sdk-kms/);
  });

  test("a runtime whose libraries are missing fails the same way", () => {
    expect(() => requireRuntime("Go", ["node", "-e", "process.exit(3)"], ["golang-go"])).toThrow(
      /Go is not available .*apt-get install -y golang-go/,
    );
  });

  test("a driver that prints no JSON is an error carrying its output", async () => {
    await expect(runDriver("node", ["-e", "console.log('not json'); process.exit(2)"], {})).rejects.toThrow(
      /exited 2 without a JSON reply:\nnot json/,
    );
  });
});
