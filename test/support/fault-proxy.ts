/**
 * An HTTP proxy between orgguard and moto that fails a share of AWS requests the way AWS does:
 * each protocol's own wire form of a 500, a 503 and throttling (Organizations' JSON
 * TooManyRequestsException, IAM/STS query Throttling, EC2 RequestLimitExceeded, S3 Control
 * SlowDown), and connection resets; some after the request reached moto, so the write happened
 * and only the answer was lost. Loopback only. Seeded: the same seed makes the same decisions for
 * the same sequence of requests (the order requests arrive in still varies between runs).
 * Bounded: at most `maxConsecutive` faults in a row for one operation, so every call gets through.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy can do to a request. */
export type FaultKind =
  | "http-500"
  | "http-503"
  | "throttled"
  | "reset"
  /** moto handled the request (a write happened); the client gets a 500. */
  | "lost-500"
  /** moto handled the request; the connection is reset before the answer. */
  | "lost-reset";

export const FAULT_KINDS: readonly FaultKind[] = [
  "http-500",
  "http-503",
  "throttled",
  "reset",
  "lost-500",
  "lost-reset",
];

export interface FaultProxyOptions {
  /** moto's endpoint, e.g. http://127.0.0.1:5000. */
  target: string;
  seed: number;
  /** Share of requests to fail, 0 to 1. */
  rate: number;
  maxConsecutive?: number;
  /** Called for every request as it arrives (a counting proxy: benches and pacing tests). */
  onRequest?: (request: SeenRequest) => void;
  /** Added before each answer: the round trip to AWS that a local moto does not have (benches). */
  latencyMs?: number;
}

/** A request as the proxy saw it arrive. */
export interface SeenRequest extends AwsRequest {
  /** When it arrived (Date.now()). */
  at: number;
  /** The access key that signed it (SigV4), which tells one account's session from another's. */
  accessKeyId?: string;
  /** The fault the proxy answered it with, if any. */
  fault?: FaultKind;
}

/** The service and operation of an AWS request, and the protocol its errors are spelled in. */
export interface AwsRequest {
  service: string;
  operation: string;
  protocol: "json" | "query" | "ec2" | "rest-xml" | "rest-json";
}

/** A small seeded generator (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STS_ACTIONS = new Set(["AssumeRole", "GetCallerIdentity", "AssumeRoleWithWebIdentity"]);

/** The region a SigV4 request is signed for: `Credential=AKID/20261206/eu-west-1/ec2/aws4_request`. */
export function signingRegion(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization)?.[1] : undefined;
}

/** The access key of a SigV4 request: `Credential=AKID/20261206/...`. */
export function signingAccessKey(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=([^/]+)\//.exec(authorization)?.[1] : undefined;
}

/** Which service and operation a request is, from what each protocol puts on the wire. */
export function identify(
  method: string,
  url: string,
  headers: http.IncomingHttpHeaders,
  body: string,
): AwsRequest {
  const target = headers["x-amz-target"];
  if (typeof target === "string") {
    const [prefix = "", operation = ""] = target.split(".");
    const service = prefix.startsWith("AWSOrganizations") ? "organizations" : prefix.toLowerCase();
    return { service, operation, protocol: "json" };
  }
  const path = url.split("?")[0] ?? "";
  if (path.startsWith("/v20180820/")) {
    const verb = { GET: "Get", PUT: "Put", DELETE: "Delete" }[method] ?? method;
    const resource = path.split("/").pop() ?? "";
    return {
      service: "s3control",
      operation: `${verb}${resource[0]?.toUpperCase()}${resource.slice(1)}`,
      protocol: "rest-xml",
    };
  }
  const form = new URLSearchParams(body);
  const action = form.get("Action");
  if (action) {
    if (form.get("Version") === "2016-11-15") return { service: "ec2", operation: action, protocol: "ec2" };
    return { service: STS_ACTIONS.has(action) ? "sts" : "iam", operation: action, protocol: "query" };
  }
  return { service: "unknown", operation: `${method} ${path}`, protocol: "rest-json" };
}

/** An AWS error answer as the request's protocol spells it. */
export function errorAnswer(
  request: AwsRequest,
  kind: "http-500" | "http-503" | "throttled",
): { status: number; headers: Record<string, string>; body: string } {
  const requestId = `fault-${Math.random().toString(16).slice(2, 10)}`;
  const throttleCode = {
    json: request.service === "organizations" ? "TooManyRequestsException" : "ThrottlingException",
    query: "Throttling",
    ec2: "RequestLimitExceeded",
    "rest-xml": "SlowDown",
    "rest-json": "TooManyRequestsException",
  }[request.protocol];
  const [status, code, message] =
    kind === "throttled"
      ? [
          request.protocol === "rest-xml" ? 503 : request.protocol === "rest-json" ? 429 : 400,
          throttleCode,
          "Rate exceeded",
        ]
      : kind === "http-500"
        ? [
            500,
            request.protocol === "json" ? "ServiceException" : "InternalFailure",
            "We encountered an internal error",
          ]
        : [503, "ServiceUnavailable", "Service is unavailable, try again later"];
  switch (request.protocol) {
    case "json":
      return {
        status,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
        body: JSON.stringify({ __type: code, Message: message }),
      };
    case "rest-json":
      return {
        status,
        headers: {
          "content-type": "application/json",
          "x-amzn-errortype": code,
          "x-amzn-requestid": requestId,
        },
        body: JSON.stringify({ message }),
      };
    case "query":
      return {
        status,
        headers: { "content-type": "text/xml" },
        body: `<ErrorResponse><Error><Type>${status < 500 ? "Sender" : "Receiver"}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case "ec2":
      return {
        status,
        headers: { "content-type": "text/xml" },
        body: `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case "rest-xml":
      return {
        status,
        headers: { "content-type": "application/xml", "x-amz-request-id": requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
  }
}

/**
 * HTTP/1.1's hop-by-hop headers (RFC 9110 7.6.1) concern one connection and a proxy does not pass
 * them on: moto closes every connection (Connection: close), and clients must keep theirs to the
 * proxy alive as they would to AWS.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

function endToEnd(headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

export class FaultProxy {
  /** Share of requests to fail from now on (0 stops injecting). */
  rate: number;
  /** Requests seen, and faults injected by `service kind`. */
  requests = 0;
  /** TCP connections clients opened to the proxy. */
  connections = 0;
  readonly injected = new Map<string, number>();
  private readonly random: () => number;
  private readonly inARow = new Map<string, number>();
  private readonly target: URL;
  private readonly maxConsecutive: number;
  private readonly onRequest: ((request: SeenRequest) => void) | undefined;
  private readonly latencyMs: number;
  /** Faults to inject next, in order, before any random ones (for tests of the proxy itself). */
  readonly scripted: FaultKind[] = [];
  /** Faults for the next requests of one operation (`service/Operation`), before any random ones. */
  readonly scriptedFor = new Map<string, FaultKind[]>();
  /**
   * Regions whose requests are accepted and never answered (a region's endpoint hanging), read
   * from the request's SigV4 credential scope; the connection stays open until the client gives
   * up or the region is removed from the set (then its requests are served again).
   */
  readonly hangingRegions = new Set<string>();
  /** Requests held by hangingRegions so far. */
  hung = 0;
  /**
   * Answers the proxy gives itself, by `service/Operation`, for an API moto lacks (each as AWS
   * documents it): the request is counted but never reaches moto.
   */
  readonly stubbed = new Map<string, { status: number; headers: Record<string, string>; body: string }>();

  private constructor(
    private readonly server: http.Server,
    options: FaultProxyOptions,
  ) {
    this.rate = options.rate;
    this.random = seededRandom(options.seed);
    this.target = new URL(options.target);
    this.maxConsecutive = options.maxConsecutive ?? 4;
    this.onRequest = options.onRequest;
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Starts the proxy on a free loopback port. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = http.createServer();
    const proxy = new FaultProxy(server, options);
    server.on("request", (req, res) => void proxy.handle(req, res));
    server.on("connection", () => {
      proxy.connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** The endpoint for AWS_ENDPOINT_URL (`localhost`, so S3 Control's account-id host prefix resolves). */
  get endpoint(): string {
    return `http://localhost:${(this.server.address() as AddressInfo).port}`;
  }

  /** Faults injected, by kind (all services). */
  byKind(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, n] of this.injected) {
      const kind = key.split(" ")[1]!;
      out[kind] = (out[kind] ?? 0) + n;
    }
    return out;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The fault for the next request of `operation`, if any. */
  private decide(request: AwsRequest): FaultKind | undefined {
    const key = `${request.service}/${request.operation}`;
    const scripted = this.scripted.shift() ?? this.scriptedFor.get(key)?.shift();
    if (scripted) return scripted;
    const n = this.inARow.get(key) ?? 0;
    const roll = this.random();
    const pick = this.random();
    if (n >= this.maxConsecutive || roll >= this.rate) {
      this.inARow.set(key, 0);
      return undefined;
    }
    this.inARow.set(key, n + 1);
    return FAULT_KINDS[Math.floor(pick * FAULT_KINDS.length)];
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const request = identify(req.method ?? "GET", req.url ?? "/", req.headers, body.toString("utf8"));
    this.requests += 1;
    const region = signingRegion(req.headers.authorization);
    if (region && this.hangingRegions.has(region)) {
      this.hung += 1;
      return;
    }
    const fault = this.decide(request);
    if (fault) {
      const key = `${request.service} ${fault}`;
      this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
    }
    this.onRequest?.({
      ...request,
      at: Date.now(),
      accessKeyId: signingAccessKey(req.headers.authorization),
      ...(fault ? { fault } : {}),
    });
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const stub = this.stubbed.get(`${request.service}/${request.operation}`);
    if (stub) {
      res.writeHead(stub.status, stub.headers).end(stub.body);
      return;
    }
    if (fault === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault === "http-500" || fault === "http-503" || fault === "throttled") {
      const answer = errorAnswer(request, fault);
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    let upstream: { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
    try {
      upstream = await this.forward(req, body);
    } catch {
      req.socket.destroy();
      return;
    }
    if (fault === "lost-reset") {
      req.socket.destroy();
      return;
    }
    if (fault === "lost-500") {
      const answer = errorAnswer(request, "http-500");
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    res.writeHead(upstream.status, endToEnd(upstream.headers)).end(upstream.body);
  }

  /** Sends the request to moto as it came (Host header included: moto routes on it). */
  private forward(
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on("error", reject);
        },
      );
      upstream.on("error", reject);
      upstream.end(body);
    });
  }
}
