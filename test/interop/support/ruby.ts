/** The Ruby driver (test/interop/ruby/s3ec.rb) around Aws::S3::EncryptionV2::Client and Aws::S3::Encryption::Client. */
import { join } from "node:path";
import { type DriverReply, INTEROP_DIR, requireRuntime, runDriver, runDriverOk } from "./runtime.js";

export const RUBY_APT_PACKAGES = ["ruby", "ruby-aws-sdk-s3", "ruby-aws-sdk-kms"];
const DRIVER = join(INTEROP_DIR, "ruby", "s3ec.rb");

export type RubyKeyring =
  | { kind: "kms"; keyId: string }
  | { kind: "aes"; key: string }
  | { kind: "rsa"; privateKeyPem: string };

export interface RubyRequest {
  endpoint: string;
  bucket: string;
  key: string;
  op: "put" | "get";
  client: "v2" | "v1";
  keyring: RubyKeyring;
  file: string;
  context?: Record<string, string>;
  securityProfile?: "v2" | "v2_and_legacy";
  envelopeLocation?: "metadata" | "instruction_file";
}

export function requireRuby(): void {
  requireRuntime(
    "Ruby with the aws-sdk-s3 and aws-sdk-kms gems",
    ["ruby", "-e", "require 'aws-sdk-s3'; require 'aws-sdk-kms'"],
    RUBY_APT_PACKAGES,
  );
}

export const ruby = (request: RubyRequest): Promise<DriverReply> => runDriver("ruby", [DRIVER], request);
export const rubyOk = (request: RubyRequest): Promise<DriverReply> => runDriverOk("ruby", [DRIVER], request);
