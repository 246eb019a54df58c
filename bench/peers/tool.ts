/** What bench/peers.ts asks of each tool it measures. */

/** The runs of each tool, in order. */
export const PHASES = ["converge", "no-op", "drift"] as const;
export type Phase = (typeof PHASES)[number];

/** The organization the bench built in moto. */
export interface BenchOrganization {
  rootId: string;
  workloadsOuId: string;
  /** The member accounts in Root/Workloads. */
  accountIds: string[];
  managementAccountId: string;
}

/** The password policy every tool keeps in every account (CIS), in the IAM API's spelling. */
export const PASSWORD_POLICY = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  AllowUsersToChangePassword: true,
  MaxPasswordAge: 90,
  PasswordReusePrevention: 24,
  HardExpiry: false,
} as const;

/** The two SCPs every tool keeps on Root/Workloads: names and documents. */
export const SCPS = [
  {
    name: "deny-leave-organization",
    description: "Member accounts cannot leave the organization",
    document: {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyLeaveOrganization",
          Effect: "Deny",
          Action: "organizations:LeaveOrganization",
          Resource: "*",
        },
      ],
    },
  },
  {
    name: "deny-root-user",
    description: "The root user of member accounts can do nothing",
    document: {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyRootUser",
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { StringLike: { "aws:PrincipalArn": "arn:aws:iam::*:root" } },
        },
      ],
    },
  },
] as const;

/** The management account's credentials, as environment variables every tool's SDK reads. */
export const AWS_ENV = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_SESSION_TOKEN: "testing",
  AWS_REGION: "us-east-1",
  AWS_DEFAULT_REGION: "us-east-1",
};

/** How to run one tool against one organization. */
export interface PreparedTool {
  command: string;
  args(phase: Phase): string[];
  env: NodeJS.ProcessEnv;
  /** Whether the drift run's output says it found the weakened password policy of `accountId`. */
  foundDrift(stdout: string, stderr: string, accountId: string): boolean;
  /** Tasks of the bench the tool cannot do (said in the table). */
  cannot: readonly string[];
  /** An exit code that is the tool's normal answer for a phase (not a failure). */
  acceptsExit?(code: number, phase: Phase): boolean;
}

export interface PeerTool {
  name: string;
  /** What the tool cannot do at all, or how it was made to talk to moto (printed after the table). */
  limits: readonly string[];
  /** Installs the tool into the cache if missing; throws the exact error when it cannot. */
  install(cache: string): Promise<void>;
  /** Writes the tool's configuration for `org` into `dir`. */
  prepare(options: {
    dir: string;
    org: BenchOrganization;
    endpoint: string;
    cache: string;
  }): Promise<PreparedTool>;
}
