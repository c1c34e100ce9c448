import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { classifyCommand, operationName } from "../../../src/client/command-kind.js";
import { ErrorCodes } from "../../../src/errors.js";

describe("classifyCommand (dispatch without instanceof)", () => {
  it("reads the operation from the command, not its class identity", () => {
    expect(operationName(new PutObjectCommand({ Bucket: "b", Key: "k" }))).toBe("PutObject");
    // A look-alike class with the SDK's naming, as another SDK copy without `schema` has.
    class PutObjectCommandCopy {}
    Object.defineProperty(PutObjectCommandCopy, "name", { value: "PutObjectCommand" });
    expect(classifyCommand(new PutObjectCommandCopy())).toEqual({ kind: "handled", operation: "PutObject" });
    expect(classifyCommand(new GetObjectCommand({ Bucket: "b", Key: "k" }))).toEqual({
      kind: "handled",
      operation: "GetObject",
    });
  });

  it.each([
    ["CreateMultipartUpload", new CreateMultipartUploadCommand({ Bucket: "b", Key: "k" })],
    ["UploadPart", new UploadPartCommand({ Bucket: "b", Key: "k", UploadId: "u", PartNumber: 1, Body: "x" })],
    [
      "UploadPartCopy",
      new UploadPartCopyCommand({ Bucket: "b", Key: "k", UploadId: "u", PartNumber: 1, CopySource: "b/s" }),
    ],
    ["CompleteMultipartUpload", new CompleteMultipartUploadCommand({ Bucket: "b", Key: "k", UploadId: "u" })],
    ["CopyObject", new CopyObjectCommand({ Bucket: "b", Key: "k", CopySource: "b/s" })],
  ])("Precondition: commands that would store object content unencrypted are refused (%s)", (name, cmd) => {
    expect(() => classifyCommand(cmd)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNENCRYPTED_WRITE_REFUSED }),
    );
    expect(() => classifyCommand(cmd)).toThrow(new RegExp(`refuses ${name}.*(PutObjectCommand|\\.client)`));
  });

  it("Precondition: an unrecognised command that carries a Body is refused", () => {
    class SomeFutureWriteCommand {
      input = { Bucket: "b", Key: "k", Body: "plaintext" };
    }
    expect(() => classifyCommand(new SomeFutureWriteCommand())).toThrow(/carries a Body/);
    expect(() => classifyCommand({ input: { Body: "x" } })).toThrow(/unrecognised command/);
  });

  it("read-only commands pass through", () => {
    expect(classifyCommand(new HeadObjectCommand({ Bucket: "b", Key: "k" }))).toEqual({
      kind: "pass-through",
    });
    expect(classifyCommand(new ListObjectsV2Command({ Bucket: "b" }))).toEqual({ kind: "pass-through" });
  });
});
