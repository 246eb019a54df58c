/**
 * AlternateContacts against moto, by `orgguard controller` run as in production: contacts are set
 * from the management account with AccountId (no member role), a spec change and a contact changed
 * out of band are applied and repaired, ObserveOnly names the differing fields and writes nothing,
 * the management account's own contacts are set without AccountId (AWS refuses its own id),
 * deletion follows deletionPolicy, bad input is refused at admission, and no contact detail ever
 * reaches status, the controller's log or Events. Trusted access, which moto does not check, is in
 * account-controls-stubs.test.ts.
 */
import {
  AccountClient,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
  type PutAlternateContactCommandInput,
} from "@aws-sdk/client-account";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManagedObject } from "../../src/runtime/managed.js";
import type { ResourceClient } from "../../src/runtime/resource-client.js";
import { sleep, waitUntil } from "../env/process.js";
import { awsClientConfig, MANAGEMENT_CREDENTIALS } from "../support/aws.js";
import { type ControllerProcess, countWrites, startSettingSuite } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  admissionRefusal,
  deleteEveryObject,
  eventMessages,
  eventReasons,
  manifest,
  orgguardClient,
  uniqueNames,
} from "../support/orgguard.js";

const POLL_MS = 3000;
const kc = adminKubeConfig();
const contacts = orgguardClient(kc, "AlternateContacts");
const baselines = orgguardClient(kc, "AccountBaseline");
const uniqueName = uniqueNames();
const management = new AccountClient({ ...awsClientConfig(MANAGEMENT_CREDENTIALS), region: "us-east-1" });
let controller: ControllerProcess;
let accounts: Map<string, string>;

const SECURITY = {
  name: "Wanda Secure",
  title: "Head of Security",
  emailAddress: "wanda.secure@example.org",
  phoneNumber: "+44 20 7946 0001",
};
const OPERATIONS = {
  name: "Oscar Ops",
  title: "SRE lead",
  emailAddress: "oscar.ops@example.org",
  phoneNumber: "+44 20 7946 0002",
};
/** Everything that must never appear in status, logs or Events. */
const PERSONAL = [SECURITY, OPERATIONS]
  .flatMap((c) => [c.name, c.emailAddress, c.phoneNumber])
  .concat(["intruder@example.net", "+1 555 0199"]);

beforeAll(async () => {
  ({ controller, accounts } = await startSettingSuite(["ac-1", "ac-2", "ac-3"], POLL_MS));
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([baselines, contacts], () => controller.tail());
  await controller?.stop();
});

/** A contact as the management account reads it (undefined: not set). */
async function contactOf(accountId: string | undefined, type: "SECURITY" | "OPERATIONS" | "BILLING") {
  try {
    const out = await management.send(
      new GetAlternateContactCommand({
        AlternateContactType: type,
        ...(accountId ? { AccountId: accountId } : {}),
      }),
    );
    const c = out.AlternateContact;
    return { name: c?.Name, title: c?.Title, emailAddress: c?.EmailAddress, phoneNumber: c?.PhoneNumber };
  } catch (err) {
    if ((err as Error).name === "ResourceNotFoundException") return undefined;
    throw err;
  }
}

const putContact = (input: PutAlternateContactCommandInput) =>
  management.send(new PutAlternateContactCommand(input));

/** Fails when a contact detail shows in the object's status, the controller's log or its Events. */
async function expectNoPersonalData(client: ResourceClient<ManagedObject>, name: string): Promise<void> {
  const status = JSON.stringify((await client.get(name))?.status ?? {});
  const log = controller.lines.join("\n");
  const events = (await eventMessages(kc, name)).join("\n");
  for (const value of PERSONAL) {
    expect(status, "status").not.toContain(value);
    expect(log, "controller log").not.toContain(value);
    expect(events, "Events").not.toContain(value);
  }
}

describe("AlternateContacts", () => {
  it("sets a member's contacts from the management account, applies a spec change, repairs drift, deletes them with Delete", async () => {
    const account = accounts.get("ac-1")!;
    const name = uniqueName("contacts");
    await contacts.create(
      manifest("AlternateContacts", name, {
        accountId: account,
        security: SECURITY,
        operations: OPERATIONS,
        deletionPolicy: "Delete",
      }),
    );
    const ready = await controller.waitForReason(contacts, name, "Available");
    expect(ready.status?.atProvider).toEqual({ security: { differs: [] }, operations: { differs: [] } });
    expect(await contactOf(account, "SECURITY")).toEqual(SECURITY);
    expect(await contactOf(account, "OPERATIONS")).toEqual(OPERATIONS);
    // BILLING is not in the spec: never written.
    expect(await contactOf(account, "BILLING")).toBeUndefined();

    // A new number in git reaches AWS.
    await contacts.jsonPatch(name, [
      { op: "replace", path: "/spec/security/phoneNumber", value: "+44 20 7946 0009" },
    ]);
    await waitUntil(
      async () => (await contactOf(account, "SECURITY"))?.phoneNumber === "+44 20 7946 0009",
      15_000,
      "the spec change to reach AWS",
    );

    // Someone points SECURITY elsewhere in the console: put back within a poll.
    await putContact({
      AccountId: account,
      AlternateContactType: "SECURITY",
      Name: "Intruder",
      Title: "x",
      EmailAddress: "intruder@example.net",
      PhoneNumber: "+1 555 0199",
    });
    const changedAt = Date.now();
    await waitUntil(
      async () => (await contactOf(account, "SECURITY"))?.emailAddress === SECURITY.emailAddress,
      POLL_MS * 1.1 + 5000,
      "the SECURITY contact to be repaired",
    );
    expect(Date.now() - changedAt).toBeLessThan(POLL_MS * 1.1 + 3000);
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );
    await expectNoPersonalData(contacts, name);

    await contacts.delete(name);
    await waitUntil(async () => (await contacts.get(name)) === undefined, 20_000, "the object to be gone");
    expect(await contactOf(account, "SECURITY")).toBeUndefined();
    expect(await contactOf(account, "OPERATIONS")).toBeUndefined();
  });

  it("ObserveOnly names the fields that differ, never their values, and writes nothing", async () => {
    const account = accounts.get("ac-2")!;
    await putContact({
      AccountId: account,
      AlternateContactType: "SECURITY",
      Name: SECURITY.name,
      Title: SECURITY.title,
      EmailAddress: "intruder@example.net",
      PhoneNumber: SECURITY.phoneNumber,
    });
    const writesBefore = countWrites(await controller.awsCalls());
    const name = uniqueName("contacts-observe");
    await contacts.create(
      manifest("AlternateContacts", name, {
        accountId: account,
        security: SECURITY,
        managementPolicy: "ObserveOnly",
      }),
    );
    const drifted = await controller.waitForReason(contacts, name, "Drifted");
    expect(drifted.status?.plannedChanges).toEqual([
      { path: "security.emailAddress", description: expect.stringContaining("values withheld") },
    ]);
    await sleep(POLL_MS * 1.2);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    expect((await contactOf(account, "SECURITY"))?.emailAddress).toBe("intruder@example.net");
    expect(await eventReasons(kc, name)).toContain("DriftDetected");
    await expectNoPersonalData(contacts, name);
  });

  it("sets the management account's own contact without AccountId, and keeps it with Retain", async () => {
    const name = uniqueName("contacts-own");
    await contacts.create(manifest("AlternateContacts", name, { security: SECURITY }));
    await controller.waitForReason(contacts, name, "Available");
    expect(await contactOf(undefined, "SECURITY")).toEqual(SECURITY);
    await contacts.delete(name);
    await waitUntil(async () => (await contacts.get(name)) === undefined, 20_000, "the object to be gone");
    expect(await contactOf(undefined, "SECURITY")).toEqual(SECURITY);
  });

  it("refuses bad input at admission, naming the field", async () => {
    const refusal = (spec: Record<string, unknown>) =>
      admissionRefusal(contacts, manifest("AlternateContacts", uniqueName("contacts-bad"), spec));
    expect(await refusal({ operations: OPERATIONS })).toMatch(/security.*Required/);
    expect(await refusal({ security: { ...SECURITY, emailAddress: "not-an-address" } })).toContain(
      "spec.security.emailAddress",
    );
    expect(await refusal({ security: { ...SECURITY, phoneNumber: "call me" } })).toContain(
      "spec.security.phoneNumber",
    );
    expect(await refusal({ security: { name: "x", title: "y", emailAddress: "a@b.co" } })).toContain(
      "phoneNumber",
    );
  });
});

describe("the AccountBaseline field alternateContacts", () => {
  it("gives every selected account the SECURITY contact and reports CIS 1.2", async () => {
    const account = accounts.get("ac-3")!;
    const name = uniqueName("contacts-baseline");
    await baselines.create(
      manifest("AccountBaseline", name, {
        accounts: { ids: [account] },
        alternateContacts: { security: SECURITY },
      }),
    );
    await controller.waitForReason(baselines, name, "Available", 40_000);
    expect(await contactOf(account, "SECURITY")).toEqual(SECURITY);
    await waitUntil(
      async () => {
        const compliance = (await baselines.get(name))?.status?.compliance as
          | Array<{ control: string; compliant: number }>
          | undefined;
        return compliance?.find((c) => c.control === "CIS 1.2")?.compliant === 1;
      },
      20_000,
      "the baseline to report CIS 1.2",
    );
    await expectNoPersonalData(baselines, name);
  });
});
