/**
 * Pure handling of default VPCs: the bounded report of a region (what status shows) and what
 * Enforce would do with it, as a reviewer reads it in a plan. A default VPC that no network
 * interface uses is deleted, with its subnets, its internet gateway and (by AWS, with the VPC) its
 * default security group; one that any interface uses is kept and reported, never forced.
 */
import type { z } from "zod";
import type { Change } from "../../runtime/managed.js";
import { MAX_LISTED, type observedDefaultVpc } from "./schema.js";

/** No default VPC: the one desired state. */
export interface DesiredNoDefaultVpc {
  absent: true;
}

export type ObservedDefaultVpc = z.output<typeof observedDefaultVpc>;

/** A default VPC and what it holds, as read now. */
export interface DefaultVpc {
  vpcId: string;
  cidrBlock?: string;
  subnetIds: string[];
  internetGatewayIds: string[];
  /** `eni-1 (i-0abc)`: an interface and what it belongs to. */
  networkInterfaces: string[];
}

export const desiredNoDefaultVpc = (): DesiredNoDefaultVpc => ({ absent: true });

/** What a region holds, capped for status. */
export function reportDefaultVpc(vpc: DefaultVpc | undefined): ObservedDefaultVpc {
  if (!vpc) return { defaultVpcs: 0 };
  return {
    defaultVpcs: 1,
    vpcId: vpc.vpcId,
    ...(vpc.cidrBlock ? { cidrBlock: vpc.cidrBlock } : {}),
    subnets: vpc.subnetIds.length,
    internetGateways: vpc.internetGatewayIds.slice(0, MAX_LISTED),
    networkInterfaces: vpc.networkInterfaces.length,
    ...(vpc.networkInterfaces.length > 0
      ? { networkInterfaceIds: vpc.networkInterfaces.slice(0, MAX_LISTED) }
      : {}),
  };
}

/** Whether a reading's default VPC is one Enforce deletes: nothing uses it. */
export const deletable = (observed: ObservedDefaultVpc): boolean =>
  observed.defaultVpcs > 0 && (observed.networkInterfaces ?? 0) === 0;

/** `vpc-1 (172.31.0.0/16)` */
const named = (o: ObservedDefaultVpc) => `${o.vpcId}${o.cidrBlock ? ` (${o.cidrBlock})` : ""}`;

/** What one kept VPC's interfaces are, for messages: `2 network interface(s): eni-1 (i-1), eni-2`. */
export function interfacesOf(o: ObservedDefaultVpc): string {
  const n = o.networkInterfaces ?? 0;
  const listed = o.networkInterfaceIds ?? [];
  return `${n} network interface(s)${listed.length > 0 ? `: ${listed.join(", ")}${n > listed.length ? ", ..." : ""}` : ""}`;
}

/** One change per default VPC, saying what Enforce does with it (delete it, or keep it and why). */
export function diffNoDefaultVpc(
  _desired: DesiredNoDefaultVpc,
  observed: ObservedDefaultVpc | undefined,
): Change[] {
  if (!observed || observed.defaultVpcs === 0 || !observed.vpcId) return [];
  const gateways = observed.internetGateways ?? [];
  const description = deletable(observed)
    ? `delete the default VPC ${named(observed)} with its ${observed.subnets ?? 0} subnet(s)${
        gateways.length > 0 ? `, internet gateway ${gateways.join(", ")} (detached first)` : ""
      } and its default security group`
    : `keep the default VPC ${named(observed)}: ${interfacesOf(observed)} use it; orgguard never deletes a VPC in use (remove them, then it is deleted at the next poll)`;
  return [{ path: `defaultVpc[${observed.vpcId}]`, from: "present", to: "deleted", description }];
}

/** Whether a region has no default VPC (unread counts as not). */
export const noDefaultVpc = (observed: ObservedDefaultVpc | undefined): boolean =>
  observed !== undefined && observed.defaultVpcs === 0;
