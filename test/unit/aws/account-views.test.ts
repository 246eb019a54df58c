/**
 * One SDK client shared by every member account (src/aws/account-views.ts), in-process: a real
 * IAM client whose request handler records what it would send (the access key each request is
 * signed with) and answers at once. Each call through an account's view is signed with that
 * account's session, concurrent calls included; nothing is sent outside a view, nor signed with
 * another account's session (what an SDK that cached one identity per client would do); middleware
 * added through one account's view reaches that account's calls only; a view's calls end with
 * its signal.
 */
import { GetAccountPasswordPolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { HttpResponse } from "@smithy/core/transport";
import type { AwsCredentialIdentity, HttpRequest } from "@smithy/types";
import { describe, expect, it } from "vitest";
import {
  accountView,
  guardAccountSignatures,
  scopedCredentials,
  signingAccessKey,
  TargetMiddleware,
} from "../../../src/aws/account-views.js";

const ANSWER = `<GetAccountPasswordPolicyResponse><GetAccountPasswordPolicyResult><PasswordPolicy><MinimumPasswordLength>14</MinimumPasswordLength></PasswordPolicy></GetAccountPasswordPolicyResult></GetAccountPasswordPolicyResponse>`;

/** A request handler that records the access key of each request and answers after `delayMs()`. */
function recordingHandler(delayMs: () => number = () => 0) {
  const signedWith: Array<string | undefined> = [];
  return {
    signedWith,
    handler: {
      // Ends with the call's abort signal, as the SDK's own handler does.
      handle: async (request: HttpRequest, options?: { abortSignal?: AbortSignal }) => {
        signedWith.push(signingAccessKey(request));
        await new Promise((resolve, reject) => {
          if (options?.abortSignal?.aborted) return reject(options.abortSignal.reason);
          const timer = setTimeout(resolve, delayMs());
          options?.abortSignal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(options.abortSignal?.reason);
          });
        });
        return {
          response: new HttpResponse({
            statusCode: 200,
            headers: { "content-type": "text/xml" },
            body: Buffer.from(ANSWER),
          }),
        };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    },
  };
}

const session = (accessKeyId: string): AwsCredentialIdentity => ({
  accessKeyId,
  secretAccessKey: "secret",
  sessionToken: "token",
  expiration: new Date(Date.now() + 3_600_000),
});

/** A shared IAM client as AwsClients makes one for member accounts, with `credentials`. */
function sharedClient(
  handler: ReturnType<typeof recordingHandler>["handler"],
  credentials = scopedCredentials as IAMClient["config"]["credentials"] | AwsCredentialIdentity,
) {
  const client = new IAMClient({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    maxAttempts: 1,
    requestHandler: handler,
    credentials,
  });
  guardAccountSignatures(client);
  return client;
}

const viewOf = (
  client: IAMClient,
  account: string,
  middleware = new TargetMiddleware(),
  signal?: AbortSignal,
) =>
  accountView(
    client,
    { credentials: async () => session(`KEY-${account}`) },
    { key: account, middleware },
    signal,
  );

const read = (client: IAMClient) => client.send(new GetAccountPasswordPolicyCommand({}));

describe("one client for every member account", () => {
  it("signs each call with its own account's session, concurrent calls of many accounts included", async () => {
    const { handler, signedWith } = recordingHandler(() => Math.random() * 5);
    const client = sharedClient(handler);
    const accounts = Array.from({ length: 40 }, (_, i) => String(100000000000 + i));
    // Interleaved: each call awaits its answer while the others are signed and sent.
    await Promise.all(accounts.map((account) => read(viewOf(client, account))));
    expect([...signedWith].sort()).toEqual(accounts.map((a) => `KEY-${a}`).sort());
    signedWith.length = 0;
    for (const account of accounts.slice(0, 5)) {
      await read(viewOf(client, account));
      expect(signedWith.at(-1)).toBe(`KEY-${account}`);
    }
  });

  const refusals: Array<{ reason: string; call: (client: IAMClient) => Promise<unknown>; message: RegExp }> =
    [
      {
        reason: "the shared client called directly, outside any account's view: nothing is signed",
        call: (client) => read(client),
        message: /outside its account's view/,
      },
      {
        reason: "a view whose session cannot be had: the call fails with why, nothing is sent",
        call: (client) =>
          read(
            accountView(
              client,
              {
                credentials: async () => {
                  throw new Error("sts:AssumeRole denied");
                },
              },
              { key: "x", middleware: new TargetMiddleware() },
            ),
          ),
        message: /sts:AssumeRole denied/,
      },
    ];
  for (const { reason, call, message } of refusals) {
    it(`refuses to send: ${reason}`, async () => {
      const { handler, signedWith } = recordingHandler();
      await expect(call(sharedClient(handler))).rejects.toThrow(message);
      expect(signedWith).toEqual([]);
    });
  }

  it("refuses a request signed with another session than its account's (an SDK caching one identity per client)", async () => {
    const { handler, signedWith } = recordingHandler();
    // The client's own, fixed credentials stand for an SDK that kept the first account's.
    const client = sharedClient(handler, session("KEY-first-account"));
    await expect(read(viewOf(client, "second-account"))).rejects.toThrow(
      /not signed with its own account's session/,
    );
    expect(signedWith).toEqual([]);
  });

  it("applies middleware added through one account's view to that account's calls only", async () => {
    const { handler, signedWith } = recordingHandler();
    const client = sharedClient(handler);
    const middleware = new TargetMiddleware();
    viewOf(client, "stubbed", middleware).middlewareStack.add(
      () => async () => {
        throw new Error("stub: this account's call fails");
      },
      { step: "initialize", name: "stub" },
    );
    await expect(read(viewOf(client, "stubbed", middleware))).rejects.toThrow(/stub/);
    await read(viewOf(client, "other", middleware));
    // A later view of the stubbed account still carries it (the controller makes a view per reconcile).
    await expect(read(viewOf(client, "stubbed", middleware))).rejects.toThrow(/stub/);
    expect(signedWith).toEqual(["KEY-other"]);
  });

  it("ends a view's calls when its signal aborts", async () => {
    const { handler } = recordingHandler(() => 10_000);
    const deadline = new AbortController();
    const call = read(viewOf(sharedClient(handler), "slow", new TargetMiddleware(), deadline.signal));
    deadline.abort(new Error("the reconcile's deadline"));
    await expect(call).rejects.toThrow(/the reconcile's deadline/);
  });
});

describe("signingAccessKey", () => {
  const cases: Array<{ reason: string; request: unknown; key: string | undefined }> = [
    {
      reason: "a SigV4 Authorization header: the key before the credential scope",
      request: {
        headers: {
          authorization:
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=abc",
        },
      },
      key: "ASIAEXAMPLE",
    },
    { reason: "no Authorization header: unsigned", request: { headers: {} }, key: undefined },
    { reason: "not a request", request: "GET /", key: undefined },
  ];
  for (const { reason, request, key } of cases) {
    it(reason, () => expect(signingAccessKey(request)).toBe(key));
  }
});
