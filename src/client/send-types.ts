/**
 * The types of `S3EncryptionClient.send`: like `S3Client.send`, the promise resolves to the
 * command's own output type. Read structurally from the command (its `resolveMiddleware` handler),
 * so commands of another `@aws-sdk/client-s3` copy are typed as well.
 */

/** Any SDK v3 command (`new XxxCommand(input)`). */
export interface SdkCommand {
  readonly input: object;
  // biome-ignore lint/suspicious/noExplicitAny: structural match of every SDK command's handler.
  resolveMiddleware(...args: any[]): unknown;
}

/** The output type of an SDK command, e.g. `GetObjectCommandOutput` for a `GetObjectCommand`. */
export type CommandOutputOf<C> = C extends {
  // biome-ignore lint/suspicious/noExplicitAny: only the handler's output type matters.
  resolveMiddleware(...args: any[]): (...a: any[]) => Promise<{ output: infer O }>;
}
  ? O
  : never;
