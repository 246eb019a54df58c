/**
 * The kube-apiserver's admission verdict on a manifest's own YAML text: a server-side dry-run
 * create with strict field validation (as `kubectl apply` asks for), sent over one HTTP/2
 * connection so that thousands of verdicts a minute cost no connection each. Nothing is stored.
 */

import { readFileSync } from "node:fs";
import http2 from "node:http2";
import { parse } from "yaml";
import { API_GROUP_VERSION } from "../../src/api/common.js";

/** What the apiserver said: accepted, or refused with its message and the fields it names. */
export interface AdmissionVerdict {
  accepted: boolean;
  status: number;
  message: string;
  /** The `details.causes[].field` of a refusal (`spec.targets[0]`), when the apiserver gives them. */
  fields: string[];
}

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; "certificate-authority-data": string } }>;
  users: Array<{ user: { token: string } }>;
}

/** Statuses worth asking again: the apiserver is busy, not judging the manifest. */
const RETRYABLE = new Set([429, 500, 503, 504]);
/** Attempts per manifest: backoff doubles from 0.1 s to at most 5 s, about 30 s in all. */
const MAX_ATTEMPTS = 10;

export class AdmissionClient {
  private session: http2.ClientHttp2Session | undefined;
  private readonly server: string;
  private readonly ca: Buffer;
  private readonly token: string;

  /** A client for the kube-apiserver `kubeconfigPath` names (a bearer token, as the test environment issues). */
  constructor(kubeconfigPath: string) {
    const kc = parse(readFileSync(kubeconfigPath, "utf8")) as Kubeconfig;
    this.server = kc.clusters[0]!.cluster.server;
    this.ca = Buffer.from(kc.clusters[0]!.cluster["certificate-authority-data"], "base64");
    this.token = kc.users[0]!.user.token;
  }

  /**
   * Dry-run creates `yaml` (one document) as a `plural` object; retries while the apiserver is
   * busy (about half a minute in all: the whole suite may be loading the machine) and throws when
   * it still gives no verdict, so that a busy apiserver is never read as a refusal.
   */
  async dryRunCreate(plural: string, yaml: string): Promise<AdmissionVerdict> {
    for (let attempt = 1; ; attempt++) {
      const answer = await this.post(plural, yaml).catch((err: Error) => ({ status: 0, body: err.message }));
      if (answer.status !== 0 && !RETRYABLE.has(answer.status)) return verdictOf(answer.status, answer.body);
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(
          `the kube-apiserver gave no verdict in ${MAX_ATTEMPTS} attempts (last: HTTP ${answer.status} ${answer.body.slice(0, 300)})`,
        );
      }
      if (answer.status === 0) this.session = undefined;
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** (attempt - 1), 5000)));
    }
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  private connection(): http2.ClientHttp2Session {
    if (!this.session || this.session.closed || this.session.destroyed) {
      this.session = http2.connect(this.server, { ca: this.ca });
      this.session.on("error", () => {
        this.session = undefined;
      });
    }
    return this.session;
  }

  private post(plural: string, yaml: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = this.connection().request({
        ":method": "POST",
        ":path": `/apis/${API_GROUP_VERSION}/${plural}?dryRun=All&fieldValidation=Strict`,
        "content-type": "application/yaml",
        accept: "application/json",
        authorization: `Bearer ${this.token}`,
      });
      let status = 0;
      const chunks: Buffer[] = [];
      request.setTimeout(30_000, () => request.close(http2.constants.NGHTTP2_CANCEL));
      request.on("response", (headers) => {
        status = Number(headers[":status"]);
      });
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => resolve({ status, body: Buffer.concat(chunks).toString("utf8") }));
      request.on("error", reject);
      request.end(yaml);
    });
  }
}

function verdictOf(status: number, body: string): AdmissionVerdict {
  if (status === 200 || status === 201) return { accepted: true, status, message: "", fields: [] };
  let message = body;
  let fields: string[] = [];
  let reason: string | undefined;
  try {
    const parsed = JSON.parse(body) as {
      message?: string;
      reason?: string;
      details?: { causes?: Array<{ field?: string }> };
    };
    message = parsed.message ?? body;
    reason = parsed.reason;
    fields = (parsed.details?.causes ?? []).flatMap((c) => (c.field ? [c.field] : []));
  } catch {
    // Not a Status object (a proxy's page, a cut connection): the body is the message.
  }
  // The apiserver validates (schema, CEL, admission) before storage looks the name up, so
  // AlreadyExists means the manifest passed and an object of that name is stored: another test
  // file on this worker left one (or is still deleting it behind a finalizer).
  if (status === 409 && reason === "AlreadyExists") return { accepted: true, status, message, fields };
  return { accepted: false, status, message, fields };
}
