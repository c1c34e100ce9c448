/**
 * The AWS SDK prints a multi-line "NodeVersionSupportWarning" on every run under Node < 22. For a
 * CLI user that is noise on stderr, so the binary's entry point (only; never the library) switches
 * it off with the SDK's own documented variable, unless the user has set that variable already.
 * The README states the supported Node versions instead.
 */
export function silenceSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  if (env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined)
    env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}
