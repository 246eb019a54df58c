/**
 * NoDefaultVpc: no default VPC in any region of an account (EC2, with the account's own
 * credentials, one client per region). Each reconcile reads the region's default VPC (one read;
 * three more when there is one: its subnets, internet gateways and network interfaces). Enforce
 * deletes a default VPC no network interface uses: it detaches and deletes its internet gateway,
 * deletes its subnets, then the VPC (AWS deletes its main route table, network ACL and default
 * security group with it). A default VPC any interface uses is reported and kept, never forced: the
 * object is Stalled (DefaultVpcInUse) naming the VPC and its interfaces, and checked again every
 * poll. Something else in the VPC that AWS refuses to delete it with (a security group or route
 * table someone added) is Stalled too (DefaultVpcDependencies), with AWS's message.
 *
 * Deleting is one-way: deletionPolicy has no meaning here, and Delete does not re-create a
 * default VPC (CreateDefaultVpc does, by hand). Roll out with ObserveOnly first: status and
 * `orgguard plan` list every default VPC and what Enforce would do with it.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Problem } from "../../api/problems.js";
import { awsCall, awsErrorCode, toReconcileError } from "../../aws/aws-errors.js";
import { type AwsAccess, type ClientTarget, ec2Sdk } from "../../aws/clients.js";
import { BlockedError } from "../../runtime/reconcile-errors.js";
import { reads, writes } from "../kind-definition.js";
import type { AccountSetting, LintContext, SettingClient } from "../setting/setting.js";
import {
  type DefaultVpc,
  type DesiredNoDefaultVpc,
  desiredNoDefaultVpc,
  diffNoDefaultVpc,
  interfacesOf,
  type ObservedDefaultVpc,
  reportDefaultVpc,
} from "./compare.js";
import { noDefaultVpcFields, observedDefaultVpc } from "./schema.js";

/** Answers to a delete that say the thing is gone already (deleted meanwhile, or by an earlier try). */
const GONE = new Set([
  "InvalidVpcID.NotFound",
  "InvalidSubnetID.NotFound",
  "InvalidInternetGatewayID.NotFound",
  "Gateway.NotAttached",
]);

/** The region's default VPC and what it holds, read now; undefined when it has none. */
async function readDefaultVpc(ec2: EC2Client, where: string): Promise<DefaultVpc | undefined> {
  const {
    DescribeVpcsCommand,
    paginateDescribeSubnets,
    paginateDescribeInternetGateways,
    paginateDescribeNetworkInterfaces,
  } = await ec2Sdk();
  return awsCall(`cannot read the default VPC ${where}`, async () => {
    const vpcs = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
    );
    const vpc = vpcs.Vpcs?.find((v) => v.IsDefault !== false && v.VpcId);
    if (!vpc?.VpcId) return undefined;
    const VpcId = vpc.VpcId;
    const inVpc = [{ Name: "vpc-id", Values: [VpcId] }];
    const [subnetIds, internetGatewayIds, networkInterfaces] = await Promise.all([
      (async () => {
        const ids: string[] = [];
        for await (const page of paginateDescribeSubnets({ client: ec2 }, { Filters: inVpc }))
          for (const s of page.Subnets ?? []) if (s.SubnetId) ids.push(s.SubnetId);
        return ids;
      })(),
      (async () => {
        const ids: string[] = [];
        const filter = [{ Name: "attachment.vpc-id", Values: [VpcId] }];
        for await (const page of paginateDescribeInternetGateways({ client: ec2 }, { Filters: filter }))
          for (const g of page.InternetGateways ?? []) if (g.InternetGatewayId) ids.push(g.InternetGatewayId);
        return ids;
      })(),
      (async () => {
        const found: string[] = [];
        for await (const page of paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters: inVpc })) {
          for (const eni of page.NetworkInterfaces ?? []) {
            const owner =
              eni.Attachment?.InstanceId ?? eni.RequesterId ?? (eni.InterfaceType || eni.Description || "");
            if (eni.NetworkInterfaceId) found.push(`${eni.NetworkInterfaceId}${owner ? ` (${owner})` : ""}`);
          }
        }
        return found;
      })(),
    ]);
    return {
      vpcId: VpcId,
      ...(vpc.CidrBlock ? { cidrBlock: vpc.CidrBlock } : {}),
      subnetIds,
      internetGatewayIds,
      networkInterfaces,
    };
  });
}

/** One delete call: gone already counts as done; the VPC's other contents stall it, with AWS's words. */
async function deleteStep(what: string, vpcId: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    const code = awsErrorCode(err);
    if (code && GONE.has(code)) return;
    if (code === "DependencyViolation") {
      throw new BlockedError(
        "DefaultVpcDependencies",
        `${what}: AWS refuses while the default VPC ${vpcId} holds something else (${err instanceof Error ? err.message : String(err)}); orgguard deletes only what AWS creates with a default VPC: delete the rest, or keep managementPolicy: ObserveOnly`,
        { cause: err },
      );
    }
    throw toReconcileError(err, what);
  }
}

function noDefaultVpcClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<DesiredNoDefaultVpc, ObservedDefaultVpc> {
  const where = `of account ${target.accountId} in ${target.region}`;
  const ec2 = () => aws.forAccount("ec2", target);
  return {
    read: async () => reportDefaultVpc(await readDefaultVpc(await ec2(), where)),
    // The deletion cannot be undone, so the write reads the VPC afresh (an instance may have
    // started since the observation) and deletes only what nothing uses.
    write: async () => {
      const client = await ec2();
      const vpc = await readDefaultVpc(client, where);
      if (!vpc) return;
      if (vpc.networkInterfaces.length > 0) {
        throw new BlockedError(
          "DefaultVpcInUse",
          `kept the default VPC ${vpc.vpcId} ${where}: ${interfacesOf(reportDefaultVpc(vpc))} use it; orgguard never deletes a default VPC anything uses (move or delete them and it is deleted at the next poll, or set managementPolicy: ObserveOnly to only report it)`,
        );
      }
      const {
        DetachInternetGatewayCommand,
        DeleteInternetGatewayCommand,
        DeleteSubnetCommand,
        DeleteVpcCommand,
      } = await ec2Sdk();
      const { vpcId } = vpc;
      for (const InternetGatewayId of vpc.internetGatewayIds) {
        await deleteStep(
          `cannot detach internet gateway ${InternetGatewayId} from ${vpcId} ${where}`,
          vpcId,
          () => client.send(new DetachInternetGatewayCommand({ InternetGatewayId, VpcId: vpcId })),
        );
        await deleteStep(`cannot delete internet gateway ${InternetGatewayId} ${where}`, vpcId, () =>
          client.send(new DeleteInternetGatewayCommand({ InternetGatewayId })),
        );
      }
      for (const SubnetId of vpc.subnetIds) {
        await deleteStep(`cannot delete subnet ${SubnetId} of ${vpcId} ${where}`, vpcId, () =>
          client.send(new DeleteSubnetCommand({ SubnetId })),
        );
      }
      await deleteStep(`cannot delete the default VPC ${vpcId} ${where}`, vpcId, () =>
        client.send(new DeleteVpcCommand({ VpcId: vpcId })),
      );
    },
    // Never called (the setting is irreversible): Delete does not re-create a default VPC.
    remove: async () => {},
  };
}

/**
 * A baseline enforcing it deletes default VPCs in every selected account, later ones included,
 * that nobody has looked at: worth a warning (a standalone object names one account its author chose).
 */
function lintNoDefaultVpc(_fields: unknown, base: string, context: LintContext): Problem[] {
  if (context.managementPolicy === "ObserveOnly" || context.in === "standalone") return [];
  return [
    {
      path: base,
      message:
        "no default VPC in Enforce deletes the default VPC of every region of every selected account, later ones included, and nothing undoes it (a VPC any network interface uses is kept): roll out with managementPolicy: ObserveOnly on this field first, check each child's status.atProvider and plannedChanges, then switch to Enforce",
    },
  ];
}

export const noDefaultVpcSetting: AccountSetting<
  typeof noDefaultVpcFields,
  DesiredNoDefaultVpc,
  ObservedDefaultVpc
> = {
  names: {
    kind: "NoDefaultVpc",
    plural: "nodefaultvpcs",
    singular: "nodefaultvpc",
    shortNames: ["nodefvpc"],
    field: "noDefaultVpc",
  },
  scope: "regional",
  noun: "no default VPC",
  description:
    "NoDefaultVpc keeps every region of one AWS account without a default VPC: Enforce deletes a default VPC that no network interface uses, with its subnets, internet gateway and default security group; one in use is reported and kept, never forced. Deleting is one-way (deletionPolicy has no meaning; Delete does not re-create a default VPC). Roll out with managementPolicy: ObserveOnly first: status and orgguard plan list every default VPC.",
  specDescription: "The regions of one account orgguard keeps without a default VPC.",
  fieldDescription: "No default VPC in the regions of each selected account",
  fields: noDefaultVpcFields,
  observed: observedDefaultVpc,
  printerColumns: [{ name: "Regions", type: "string", jsonPath: ".status.regions", priority: 1 }],
  lint: lintNoDefaultVpc,
  desired: desiredNoDefaultVpc,
  diff: diffNoDefaultVpc,
  irreversible: true,
  client: noDefaultVpcClient,
  // Someone re-creating the default VPC by hand.
  alsoChangedBy: ["ec2:CreateDefaultVpc"],
  operations: [
    ...reads(
      "ec2",
      "DescribeVpcs",
      "DescribeSubnets",
      "DescribeInternetGateways",
      "DescribeNetworkInterfaces",
    ),
    ...writes("ec2", "DetachInternetGateway", "DeleteInternetGateway", "DeleteSubnet", "DeleteVpc"),
  ],
};
