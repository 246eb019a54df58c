import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * Whether `hostname` is `localhost` or a name under it. RFC 6761 §6.3 reserves these names for
 * the loopback interface, but glibc without systemd-resolved does not resolve subdomains of it.
 */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/**
 * A DNS lookup that answers names under `.localhost` with the loopback address and passes every
 * other name to the system resolver.
 */
export const localhostAwareLookup: LookupFunction = (hostname, options, callback) => {
  if (!isLocalhostName(hostname)) {
    dns.lookup(hostname, options, callback);
    return;
  }
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

/**
 * The SDK request handler to use with an endpoint override on `localhost` (an emulator such as
 * moto). S3 Control puts the account id in front of the host for account-level calls
 * (`http://localhost:5000` becomes `http://123456789012.localhost:5000`), which the system
 * resolver may not know; this handler resolves it to loopback as RFC 6761 prescribes.
 */
export function localhostRequestHandler(): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, lookup: localhostAwareLookup }),
    httpsAgent: new https.Agent({ keepAlive: true, lookup: localhostAwareLookup }),
  });
}
