/**
 * An HTTP(S) agent that honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (lower-case forms too) per request,
 * as the AWS CLI does: `proxy-from-env` decides, `https-proxy-agent` tunnels with CONNECT (for http and
 * https targets alike). Direct connections use a plain keep-alive agent. Both get the TLS options
 * (CA bundle, verification) for the target.
 */
import * as http from "node:http";
import * as https from "node:https";
import { Agent, type AgentConnectOpts } from "agent-base";
import { HttpsProxyAgent } from "https-proxy-agent";
import { getProxyForUrl } from "proxy-from-env";

export interface TlsSettings {
  /** PEM CA certificates to trust instead of Node's default set (AWS_CA_BUNDLE / --ca-bundle). */
  ca?: string | Buffer;
  /** false = do not verify the server certificate (--no-verify-ssl). */
  rejectUnauthorized?: boolean;
}

/** True if the environment names any proxy (then requests go through {@link ProxyAwareAgent}). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"].some(
    (k) => (env[k] ?? "") !== "",
  );
}

export class ProxyAwareAgent extends Agent {
  private readonly direct: { http: http.Agent; https: https.Agent };
  private readonly viaProxy = new Map<string, HttpsProxyAgent<string>>();

  constructor(private readonly tls: TlsSettings = {}) {
    super({ keepAlive: true });
    this.direct = {
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true, ...tls }),
    };
  }

  connect(_req: http.ClientRequest, opts: AgentConnectOpts): http.Agent {
    const scheme = opts.secureEndpoint ? "https" : "http";
    const proxy = getProxyForUrl(`${scheme}://${opts.host}:${opts.port}`);
    if (!proxy) return opts.secureEndpoint ? this.direct.https : this.direct.http;
    let agent = this.viaProxy.get(proxy);
    if (!agent) {
      agent = new HttpsProxyAgent(proxy, { keepAlive: true, ...this.tls });
      this.viaProxy.set(proxy, agent);
    }
    return agent;
  }

  override destroy(): void {
    this.direct.http.destroy();
    this.direct.https.destroy();
    for (const a of this.viaProxy.values()) a.destroy();
    super.destroy();
  }
}
