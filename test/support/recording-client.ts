/** Wraps an SDK client so a test can see which commands were sent (and optionally fail some). */
export interface SentCommand {
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: test helper over any command input.
  readonly input: any;
}

// biome-ignore lint/suspicious/noExplicitAny: any SDK client shape.
export function recordingClient<T extends { send: (...args: any[]) => Promise<any> }>(
  inner: T,
  failWhen?: (cmd: SentCommand, count: number) => Error | undefined,
): T & { sent: SentCommand[]; names(): string[] } {
  const sent: SentCommand[] = [];
  const client = {
    sent,
    names: () => sent.map((c) => c.name),
    // biome-ignore lint/suspicious/noExplicitAny: pass-through of SDK commands.
    send: async (command: any, options?: any) => {
      const rec = { name: command.constructor.name.replace(/Command$/, ""), input: command.input };
      sent.push(rec);
      const err = failWhen?.(rec, sent.filter((c) => c.name === rec.name).length);
      if (err) throw err;
      return inner.send(command, options);
    },
  };
  return client as unknown as T & { sent: SentCommand[]; names(): string[] };
}
