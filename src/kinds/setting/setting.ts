/**
 * An account setting as a plug-in: a schema fragment, a pure compare, and a client against one
 * account (and, for a regional setting, one region). From one definition come the standalone kind
 * (PasswordPolicy, PublicAccessBlock, EbsEncryptionByDefault, ...) and its field in AccountBaseline
 * (setting/setting-kind.ts, account-baseline/api.ts); the list is settings.ts.
 */
import type { z } from "zod";
import type { PrinterColumn } from "../../api/api-definition.js";
import type { CrossFieldRule } from "../../api/common.js";
import type { Problem } from "../../api/problems.js";
import type { AwsAccess, ClientTarget } from "../../aws/clients.js";
import type { Change, ManagementPolicy } from "../../runtime/managed.js";
import type { AwsOperation, IamStatement } from "../kind-definition.js";

/** What a setting is called: the standalone kind's names and the AccountBaseline field. */
export interface SettingNames {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  /** The field of AccountBaseline's spec that applies this setting to every selected account. */
  field: string;
}

/** Where a setting being linted is written, and the policy it is applied with. */
export interface LintContext {
  managementPolicy: ManagementPolicy;
  /** In an AccountBaseline field, or a standalone object. */
  in: "baseline" | "standalone";
}

/** Reads and writes one setting in one account (and region). Every call is idempotent. */
export interface SettingClient<D, O> {
  /** What AWS has now; undefined when nothing is set (AWS's own default applies). */
  read(desired: D): Promise<O | undefined>;
  /** Makes AWS equal to `desired` (a create or an update alike). */
  write(desired: D, observed: O | undefined): Promise<void>;
  /** Goes back to AWS's default (deletionPolicy: Delete); nothing set counts as done. */
  remove(desired: D, observed: O): Promise<void>;
}

/**
 * A CIS AWS Foundations Benchmark recommendation a setting covers, and whether what AWS has in one
 * place meets it (AccountBaseline's status.compliance counts the accounts that do).
 */
export interface CisControl<O> {
  /** As status.compliance names it: "CIS 1.8" (CIS AWS Foundations Benchmark v3.0 numbering). */
  id: string;
  /** The recommendation, shortened: "IAM password policy requires at least 14 characters". */
  title: string;
  /**
   * Whether one place (the account, or one region) meets it, judged from what AWS has there, not
   * from the spec: a spec may ask for less than CIS does. `undefined`: nothing set.
   */
  holds(observed: O | undefined): boolean;
}

/**
 * One account setting. `F` is the zod shape of its fields (without accountId, regions and the
 * policies, which every setting kind shares), `D` the desired state the compare works on, `O` what
 * a read gives.
 */
export interface AccountSetting<F extends z.ZodRawShape = z.ZodRawShape, D = unknown, O = unknown> {
  names: SettingNames;
  /** Kept per region (in `spec.regions`, or every region enabled in the account), or once per account. */
  scope: "account" | "regional";
  /**
   * Where its calls are made: in the account itself (`member`, the default: member accounts through
   * AssumeRole), or from the management account naming the account (`management`: APIs such as
   * Account Management's that take an AccountId; no role in the member account needed).
   */
  reach?: "member" | "management";
  /** How messages name it: "the password policy". */
  noun: string;
  /**
   * The managementPolicy when a spec says none: Enforce, unless the setting's writes should be seen
   * before they are made (IamCredentials deactivates access keys: ObserveOnly). In a baseline, a
   * field without its own managementPolicy gets this, not the baseline's.
   */
  defaultManagementPolicy?: "ObserveOnly";
  /** What `kubectl explain <kind>` prints at the top. */
  description: string;
  /** The description of the standalone kind's spec. */
  specDescription: string;
  /** What the AccountBaseline field gives each selected account. */
  fieldDescription: string;
  /** The setting's own fields. */
  fields: F;
  /** What one read gives, as status.atProvider shows it (per region for a regional setting). */
  observed: z.ZodType;
  /** Columns for `kubectl get` besides READY, REASON, SYNCED, ACCOUNT and AGE. */
  printerColumns?: PrinterColumn[];
  /**
   * Rules across the fields (and `regions`), checked by the apiserver as CEL and by the CLI in
   * TypeScript, on the standalone spec and on the AccountBaseline field alike.
   */
  rules?: readonly CrossFieldRule<z.output<z.ZodObject<F>> & { regions?: string[] }>[];
  /**
   * Valid but probably not what was meant (orgguard validate's warnings), given the policy the
   * setting is applied with (the standalone spec's, or in a baseline the field's or the baseline's)
   * and where it is written (a baseline reaches every selected account, later ones included).
   */
  lint?(fields: z.output<z.ZodObject<F>>, base: string, context: LintContext): Problem[];
  /** The desired state in one region (undefined for an account setting), from the fields with defaults applied. */
  desired(fields: z.output<z.ZodObject<F>>, region: string | undefined): D;
  /** What would change to make `observed` (undefined: nothing set) equal to `desired`; [] when equal. */
  diff(desired: D, observed: O | undefined): Change[];
  /**
   * Whether a reading is AWS's own default, as read() returning undefined would be: for a setting
   * that can always be read (every VPC has a default security group), what counts as "nothing set",
   * which Delete goes back to and after which a deletion is done.
   */
  isDefault?(observed: O): boolean;
  /**
   * For a setting AWS applies asynchronously (AMI and snapshot block public access): what a
   * reading says is still being applied ("in-transition"; or, where EC2 reads back the old value
   * meanwhile, the change the client remembers AWS accepted: setting/applying.ts), or undefined
   * when it is settled. A place in transition is neither drift nor written again: the object
   * reports Progressing.
   */
  inTransition?(observed: O): string | undefined;
  /**
   * For a setting whose write cannot be undone (deleting default VPCs): `deletionPolicy` has no
   * meaning, and deleting the object never calls `remove` (it is done at once, whatever AWS has).
   */
  irreversible?: true;
  /** A client acting in one account (and region). */
  client(aws: AwsAccess, target: ClientTarget): SettingClient<D, O>;
  /**
   * Counts a reading holds (keys past the limits, users without MFA...), exported per object as
   * `orgguard_findings{kind, name, finding}`: names stay in status, never in labels.
   */
  findings?(observed: O): Record<string, number>;
  /** The CIS recommendations this setting covers (AccountBaseline reports compliance with each). */
  controls?: readonly CisControl<O>[];
  /** IAM statements beyond its calls' actions (in the management account and each member's role alike). */
  extraIam?: readonly IamStatement[];
  /**
   * IAM actions of calls orgguard never makes that still change what the setting keeps (someone
   * re-creating a default VPC): their API call events reach the setting's objects like its writes'.
   */
  alsoChangedBy?: readonly string[];
  /** Every AWS call the client makes (the regions lookup of a regional setting is added for it). */
  operations: readonly AwsOperation[];
}
