/**
 * client-node API clients that keep their connections to the kube-apiserver. client-node (1.4)
 * makes a new https.Agent for every API call, so every call opened a new TLS connection (a
 * handshake, a TLS context built from the CA and client certificate) that was freed only when the
 * garbage collector found it: converging 10,000 objects made more than 20,000 calls, and the
 * controller's memory outside the V8 heap grew with them. Here the kubeconfig still applies its
 * credentials to every call (tokens and exec plugins refresh as before); only its plain HTTPS agent
 * is swapped for one kept-alive agent with the same TLS settings, made again when they change.
 * Proxy agents (a kubeconfig's proxy-url) are left as they are.
 */
import https from "node:https";
import {
  type Configuration,
  createConfiguration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
  ServerConfiguration,
} from "@kubernetes/client-node";

/** The TLS settings an agent's connections are made with: the ones that decide whether it can be reused. */
const TLS_SETTINGS = ["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized", "servername"] as const;

const tlsSettingsOf = (options: https.AgentOptions): string =>
  TLS_SETTINGS.map((setting) => String(options[setting] ?? "")).join("\0");

/** The kubeconfig's authentication, with one kept-alive HTTPS agent for every call. */
export class KeepAliveAuthentication implements SecurityAuthentication {
  private pooled: { settings: string; agent: https.Agent } | undefined;

  constructor(private readonly kc: KubeConfig) {}

  getName(): string {
    return "kubeconfig authentication, kept-alive connections";
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
    const made = context.getAgent();
    // Exactly https.Agent: a proxy agent (a subclass) must stay what it is.
    if (made?.constructor === https.Agent) context.setAgent(this.agentLike(made as https.Agent));
  }

  /** The kept-alive agent with the TLS settings of `made` (a fresh, unused agent). */
  private agentLike(made: https.Agent): https.Agent {
    const settings = tlsSettingsOf(made.options);
    if (this.pooled?.settings !== settings) {
      this.pooled?.agent.destroy();
      this.pooled = { settings, agent: new https.Agent({ ...made.options, keepAlive: true }) };
    }
    return this.pooled.agent;
  }
}

/** One authentication (and so one connection pool) per kubeconfig. */
const authentications = new WeakMap<KubeConfig, KeepAliveAuthentication>();

/** Like `kc.makeApiClient(api)`, with connections kept alive (see KeepAliveAuthentication). */
export function makeApiClient<T>(kc: KubeConfig, api: new (config: Configuration) => T): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  let authentication = authentications.get(kc);
  if (!authentication) {
    authentication = new KeepAliveAuthentication(kc);
    authentications.set(kc, authentication);
  }
  return new api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: authentication },
    }),
  );
}
