import { describe, expect, it } from "vitest";
import { isLocalhostName, localhostAwareLookup } from "../../src/aws/localhost-resolution.js";

describe("isLocalhostName", () => {
  const cases: Array<{ host: string; expected: boolean; reason: string }> = [
    { host: "localhost", expected: true, reason: "the name itself" },
    {
      host: "123456789012.localhost",
      expected: true,
      reason: "S3 Control's account-id prefix on a local endpoint",
    },
    {
      host: "LOCALHOST.",
      expected: true,
      reason: "DNS names are case-insensitive and may be fully qualified",
    },
    {
      host: "localhost.example.com",
      expected: false,
      reason: "a real domain that merely starts with localhost",
    },
    { host: "notlocalhost", expected: false, reason: "a suffix without the dot is another name" },
    { host: "s3-control.us-east-1.amazonaws.com", expected: false, reason: "real AWS endpoints go to DNS" },
  ];
  it.each(cases)("$host -> $expected ($reason)", ({ host, expected }) => {
    expect(isLocalhostName(host)).toBe(expected);
  });
});

describe("localhostAwareLookup", () => {
  it("answers a name under .localhost with loopback, in both callback shapes", async () => {
    const one = await new Promise<unknown>((resolve) =>
      localhostAwareLookup("1.localhost", {}, (err, address) => resolve(err ?? address)),
    );
    expect(one).toBe("127.0.0.1");
    const all = await new Promise<unknown>((resolve) =>
      localhostAwareLookup("1.localhost", { all: true }, (err, address) => resolve(err ?? address)),
    );
    expect(all).toEqual([{ address: "127.0.0.1", family: 4 }]);
  });

  it("passes other names to the system resolver", async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      localhostAwareLookup("name.invalid", {}, (e) => resolve(e)),
    );
    expect(err?.code).toBe("ENOTFOUND");
  });
});
