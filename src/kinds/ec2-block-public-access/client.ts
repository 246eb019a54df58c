/**
 * The client of a block public access setting in one account and region: read the state (and who
 * keeps it), Enable with the spec's state, Disable on Delete. Each accepted write is remembered
 * (setting/applying.ts) so that the old state EC2 reads back while it applies the change is not
 * taken for drift. A declarative policy's state is never written over.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import { awsCall } from "../../aws/aws-errors.js";
import type { AwsAccess, ClientTarget } from "../../aws/clients.js";
import type { AcceptedChanges } from "../setting/applying.js";
import { refuseUnderDeclarativePolicy } from "../setting/declarative-policy.js";
import type { SettingClient } from "../setting/setting.js";
import { type DesiredBlockPublicAccess, type ObservedBlockPublicAccess, UNBLOCKED } from "./compare.js";

/** The three calls of one attribute, and how messages name it. */
export interface BlockPublicAccessApi {
  /** "block public access for snapshots" */
  noun: string;
  get(ec2: EC2Client): Promise<{ state?: string; managedBy?: string }>;
  enable(ec2: EC2Client, state: string): Promise<void>;
  disable(ec2: EC2Client): Promise<void>;
}

export function blockPublicAccessClient(
  aws: AwsAccess,
  target: ClientTarget,
  api: BlockPublicAccessApi,
  accepted: AcceptedChanges<string>,
): SettingClient<DesiredBlockPublicAccess, ObservedBlockPublicAccess> {
  const where = `of account ${target.accountId} in ${target.region}`;
  const place = `${target.accountId}/${target.region}`;
  const ec2 = () => aws.forAccount("ec2", target);
  return {
    read: async () => {
      const client = await ec2();
      const out = await awsCall(`cannot read ${api.noun} ${where}`, () => api.get(client));
      const state = out.state ?? UNBLOCKED;
      const applying = accepted.pending(place, state);
      return {
        state,
        ...(out.managedBy ? { managedBy: out.managedBy } : {}),
        ...(applying ? { applying: { state: applying.value, since: applying.since } } : {}),
      };
    },
    write: async (desired, observed) => {
      refuseUnderDeclarativePolicy(observed?.managedBy, `set ${api.noun} ${where}`);
      const client = await ec2();
      await awsCall(`cannot set ${api.noun} ${where}`, () => api.enable(client, desired.state));
      accepted.accept(place, desired.state);
    },
    remove: async (_desired, observed) => {
      refuseUnderDeclarativePolicy(observed.managedBy, `disable ${api.noun} ${where}`);
      const client = await ec2();
      await awsCall(`cannot disable ${api.noun} ${where}`, () => api.disable(client));
      accepted.accept(place, UNBLOCKED);
    },
  };
}
