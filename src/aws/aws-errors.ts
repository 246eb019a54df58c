/**
 * AWS error codes sorted by what they mean for reaching the spec, not by their names: a code
 * that sounds fatal may only say that our own earlier write (whose answer was lost) already did
 * the job. Every code here is named in the service's API reference (its Errors section) or in
 * the error documentation of AWS Organizations, IAM, S3 Control, EC2, Account and Config.
 */
import {
  AlreadyExistsError,
  BlockedError,
  RetryableError,
  TerminalError,
} from "../runtime/reconcile-errors.js";

/**
 * - `not-found`: the thing is absent. For a read: it does not exist (yet); for a delete: done.
 * - `goal-reached`: the write's goal already holds (attach: already attached; detach: already
 *   detached), typically because an earlier attempt succeeded and its answer was lost.
 * - `already-exists`: a create found the name taken. It may be this object's own earlier create;
 *   observe again and let the ownership proof decide (AlreadyExistsError).
 * - `spec-rejected`: AWS refuses what the spec says; only a spec change helps (TerminalError).
 * - `blocked`: something outside the spec stops progress (permissions, a disabled policy type, a
 *   limit other policies fill); reported as Stalled and checked again every poll (BlockedError).
 * - `throttled`: slow down and retry with backoff.
 * - `transient`: anything else, retried with backoff (5xx, resets, concurrent modifications).
 */
export type AwsErrorMeaning =
  | "not-found"
  | "goal-reached"
  | "already-exists"
  | "spec-rejected"
  | "blocked"
  | "throttled"
  | "transient";

/** Every code orgguard expects, with what it means for the goal and why. */
const MEANINGS: Record<string, AwsErrorMeaning> = {
  // IAM GetAccountPasswordPolicy: no policy set (IAM's defaults apply); a delete of none is done.
  NoSuchEntity: "not-found",
  NoSuchEntityException: "not-found",
  // S3 Control: no account-level public access block (every flag off).
  NoSuchPublicAccessBlockConfiguration: "not-found",
  // Organizations: the policy is gone (deleted out of band): observe again and re-create it.
  PolicyNotFoundException: "not-found",
  // Organizations structure: an OU or account that is gone (deleted, closed, removed), or an
  // account not in the organization (DescribeAccount; a delegated administrator's account). For a
  // read: it does not exist; for a delete: done.
  OrganizationalUnitNotFoundException: "not-found",
  AccountNotFoundException: "not-found",
  // CreateOrganizationalUnit: the name is taken under that parent, possibly by orgguard's own
  // create whose answer was lost: observe again, and let the ownership tags decide.
  DuplicateOrganizationalUnitException: "already-exists",
  // The parent named is not there (yet): re-resolved at every try.
  ParentNotFoundException: "transient",
  // An OU still holding accounts or OUs (orgguard checks first; AWS refuses too).
  OrganizationalUnitNotEmptyException: "blocked",
  // MoveAccount: the account is already where it is moved to (an earlier attempt's answer was lost).
  DuplicateAccountException: "goal-reached",
  // CloseAccount of an account already closed (or closing).
  AccountAlreadyClosedException: "goal-reached",
  // A handshake (an invitation) that AWS refuses to send: limits, the account's own state.
  HandshakeConstraintViolationException: "blocked",
  // The account is not ACTIVE (suspended, closing): nothing can be done to it until it is.
  AccountNotActiveException: "blocked",
  // The root, OU or account a target names is not there now; it may appear (re-resolved each try).
  // Was "not-found", which read as "done" to a caller deleting something.
  TargetNotFoundException: "transient",
  // Detach answered "not attached" / attach answered "already attached": the goal holds.
  PolicyNotAttachedException: "goal-reached",
  DuplicatePolicyAttachmentException: "goal-reached",
  // EnablePolicyType of a type already on (someone, or an earlier attempt whose answer was lost,
  // enabled it): the goal holds.
  PolicyTypeAlreadyEnabledException: "goal-reached",
  // RegisterDelegatedAdministrator: the account is already the service's delegated administrator;
  // DeregisterDelegatedAdministrator: it is not (any more). An earlier attempt whose answer was
  // lost, or a ListDelegatedAdministrators that did not show a fresh registration yet (AWS lists
  // it only seconds later): the goal holds, never a reason to fail or to register twice.
  AccountAlreadyRegisteredException: "goal-reached",
  AccountNotRegisteredException: "goal-reached",
  // EC2 security groups: a revoke of a rule that is gone, an authorize of a rule that exists, a
  // group deleted with its VPC meanwhile (its rules went with it).
  "InvalidPermission.NotFound": "goal-reached",
  "InvalidPermission.Duplicate": "goal-reached",
  "InvalidGroup.NotFound": "goal-reached",
  // Account Management GetAlternateContact: that contact type is not set.
  ResourceNotFoundException: "not-found",
  // AWS Config: no recorder or delivery channel in the region (a read of none, a delete of none).
  NoSuchConfigurationRecorderException: "not-found",
  NoSuchDeliveryChannelException: "not-found",
  // AWS Config refusing the delivery channel or the recorder's role: the bucket, its policy or the
  // role can be fixed without touching the spec (the condition names which).
  NoSuchBucketException: "blocked",
  InsufficientDeliveryPolicyException: "blocked",
  InsufficientPermissionsException: "blocked",
  InvalidRoleException: "blocked",
  InvalidS3KeyPrefixException: "spec-rejected",
  // CloudTrail: no trail of that name in the region (a read of none, a delete of one gone).
  TrailNotFoundException: "not-found",
  // CreateTrail: the name is taken in the region, possibly by orgguard's own create whose answer
  // was lost: observe again, and let the trail's ownership tags decide.
  TrailAlreadyExistsException: "already-exists",
  // CloudTrail refusing the bucket, the key or the log group the spec names: each is the user's to
  // create or fix (the condition names the policy statement that is missing), not the spec's.
  S3BucketDoesNotExistException: "blocked",
  InsufficientS3BucketPolicyException: "blocked",
  InsufficientEncryptionPolicyException: "blocked",
  KmsKeyNotFoundException: "blocked",
  KmsException: "blocked",
  InvalidCloudWatchLogsLogGroupArnException: "blocked",
  InvalidCloudWatchLogsRoleArnException: "blocked",
  // An organization trail needs trusted access for CloudTrail, all features, the caller to be the
  // management account (or CloudTrail's delegated administrator) and the permissions CloudTrail
  // checks on it: all set up outside the spec.
  CloudTrailAccessNotEnabledException: "blocked",
  InsufficientDependencyServiceAccessPermissionException: "blocked",
  NotOrganizationMasterAccountException: "blocked",
  NoManagementAccountSLRExistsException: "blocked",
  OrganizationNotInAllFeaturesModeException: "blocked",
  OrganizationsNotInUseException: "blocked",
  MaximumNumberOfTrailsExceededException: "blocked",
  // A multi-region trail is changed only from its home region (orgguard calls it there; a trail
  // of the name homed elsewhere is reported before any write).
  InvalidHomeRegionException: "blocked",
  // What the spec says that CloudTrail refuses: only a spec change helps.
  InvalidKmsKeyIdException: "spec-rejected",
  InvalidS3BucketNameException: "spec-rejected",
  InvalidS3PrefixException: "spec-rejected",
  InvalidTrailNameException: "spec-rejected",
  InvalidEventSelectorsException: "spec-rejected",
  // CloudTrail could not reach CloudWatch Logs this time.
  CloudWatchLogsDeliveryUnavailableException: "transient",
  // CreatePolicy: the name is taken, possibly by our own create whose answer was lost. Was
  // "terminal", which stalled an SCP for good after one lost answer (orgguard's own policy then
  // sat in AWS attached to nothing). Observe decides by the ownership tags.
  DuplicatePolicyException: "already-exists",
  // The document or input is wrong: the spec must change.
  MalformedPolicyDocumentException: "spec-rejected",
  InvalidInputException: "spec-rejected",
  ValidationError: "spec-rejected",
  ValidationException: "spec-rejected",
  // Counts, the last SCP of a target, or size: other policies and quotas change without the spec
  // (size alone is the spec's: see CONSTRAINTS_OF_THE_SPEC). Was "terminal" for every reason.
  ConstraintViolationException: "blocked",
  // Permissions and credentials can be granted without touching the spec. Were "terminal": a
  // fixed IAM policy then helped nobody until someone edited every stalled object.
  AccessDenied: "blocked",
  AccessDeniedException: "blocked",
  AccessDeniedForDependencyException: "blocked",
  UnauthorizedOperation: "blocked",
  InvalidClientTokenId: "blocked",
  // The organization can be set up by an administrator.
  AWSOrganizationsNotInUseException: "blocked",
  // SCPs are off on the root: retried with backoff (at most 5 min apart), so the policy lands soon
  // after someone enables the type. The SCP kind checks the type before writing and says so.
  PolicyTypeNotEnabledException: "transient",
  // AWS: "changes to the effective policy are in progress ... try again later". Was "terminal".
  PolicyChangesInProgressException: "transient",
  // Two writers at once on one target: try again.
  ConcurrentModificationException: "transient",
  // A cached AssumeRole session expired: the retry assumes a fresh one.
  ExpiredToken: "transient",
  ExpiredTokenException: "transient",
  // Server-side failures.
  ServiceException: "transient",
  ServiceUnavailable: "transient",
  ServiceUnavailableException: "transient",
  InternalFailure: "transient",
  InternalError: "transient",
  // IAM's organization features (centralized root access): the caller is not the management
  // account or IAM's delegated administrator, the organization is gone or lacks all features (listed above), or
  // trusted access for iam.amazonaws.com is off. Each is fixed outside the spec.
  AccountNotManagementOrDelegatedAdministratorException: "blocked",
  CallerIsNotManagementAccountException: "blocked",
  OrganizationNotFoundException: "blocked",
  ServiceAccessNotEnabledException: "blocked",
  // AWS Security Hub: an account not subscribed to Security Hub, or not (yet) the organization's
  // administrator (right after EnableOrganizationAdminAccount the kind reads it as a wait first).
  InvalidAccessException: "blocked",
  // Security Hub: EnableSecurityHub of an account already subscribed; CreateFindingAggregator when
  // one exists (the next observe compares it). An earlier attempt's answer was lost: the goal holds.
  ResourceConflictException: "goal-reached",
  // AWS Config aggregators: none of that name (a read of none, a delete of none).
  NoSuchConfigurationAggregatorException: "not-found",
  // AWS Config refusing an organization aggregator: the caller is neither the management account
  // nor a registered delegated administrator, the organization lacks all features or is not
  // there. Each is fixed in the organization, not in the spec.
  OrganizationAccessDeniedException: "blocked",
  OrganizationAllFeaturesNotEnabledException: "blocked",
  NoAvailableOrganizationException: "blocked",
  // AWS Config: a parameter it refuses (a region it does not know, a name too long).
  InvalidParameterValueException: "spec-rejected",
  // Throttling, as each protocol spells it (Organizations answers HTTP 400 TooManyRequests).
  TooManyRequestsException: "throttled",
  Throttling: "throttled",
  ThrottlingException: "throttled",
  RequestLimitExceeded: "throttled",
  SlowDown: "throttled",
};

/**
 * ConstraintViolationException reasons that are about the spec itself: a policy over the size
 * limit; an OU path too deep; the management account named as a delegated administrator (only a
 * member account can be one). The other reasons are limits and states outside the spec ("blocked").
 */
const CONSTRAINTS_OF_THE_SPEC = new Set([
  "POLICY_CONTENT_LIMIT_EXCEEDED",
  "OU_DEPTH_LIMIT_EXCEEDED",
  "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
]);

/** The error code of an AWS SDK error (its name), or undefined for other errors. */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; $metadata?: unknown };
  if (typeof e.Code === "string") return e.Code;
  if (e.$metadata !== undefined && typeof e.name === "string") return e.name;
  return undefined;
}

/**
 * The `Reason` AWS Organizations adds to some errors (ConstraintViolationException,
 * InvalidInputException): `DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE`, when there is one.
 */
export function awsReasonOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const reason = (err as { Reason?: unknown }).Reason;
  return typeof reason === "string" && reason !== "" ? reason : undefined;
}

const httpStatus = (err: unknown): number | undefined =>
  (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** What an AWS error means for the goal; unknown codes and network errors are transient. */
export function meaningOf(err: unknown): AwsErrorMeaning {
  const code = awsErrorCode(err);
  if (code === undefined) return "transient";
  if (code === "ConstraintViolationException") {
    const reason = awsReasonOf(err);
    if (reason !== undefined && CONSTRAINTS_OF_THE_SPEC.has(reason)) return "spec-rejected";
  }
  const known = MEANINGS[code];
  if (known) return known;
  // HTTP 403 is "forbidden" whatever the body says (an unreadable body leaves the SDK with a
  // generic name such as Unknown or SyntaxError): a permission must change.
  if (httpStatus(err) === 403) return "blocked";
  return "transient";
}

export const isNotFound = (err: unknown): boolean => meaningOf(err) === "not-found";

/**
 * Wraps an AWS error for the reconciler by its meaning (see MEANINGS).
 * `what` says what was attempted, lower-case: "cannot update the password policy of 123456789012".
 */
export function toReconcileError(err: unknown, what: string): Error {
  const named = awsErrorCode(err) ?? "Error";
  // A 403 whose code the SDK could not read is, for the condition, an AccessDenied.
  const code = httpStatus(err) === 403 && !(named in MEANINGS) ? "AccessDenied" : named;
  // AWS's Reason says which limit or rule it was (AccessDenied has none to give).
  const awsReason = awsReasonOf(err);
  const codeAndReason = awsReason ? `${code} (${awsReason})` : code;
  const message = `${what}: ${codeAndReason}: ${err instanceof Error ? err.message : String(err)}`;
  const reason = code.replace(/Exception$/, "");
  switch (meaningOf(err)) {
    case "spec-rejected":
      return new TerminalError(reason, message, { cause: err });
    case "blocked":
      return new BlockedError(reason, message, { cause: err });
    case "already-exists":
      return new AlreadyExistsError(reason, message, { cause: err });
    case "throttled":
      return new RetryableError("Throttled", message, { cause: err });
    default:
      return new RetryableError(reason, message, { cause: err });
  }
}

/** What awsCall answers instead of throwing, for errors that say the goal is already met. */
export interface AwsCallAnswers<T> {
  /** The thing is not there (a read of nothing, a delete of what is gone). */
  notFound?: () => T;
  /** AWS says the state asked for already holds (a revoke of a rule that is gone). */
  goalReached?: () => T;
}

/**
 * Runs one AWS call. Its error becomes a reconcile error that says what failed (`what`: "cannot
 * read X of account Y"), unless `answers` maps the error's meaning to a value.
 */
export async function awsCall<T>(
  what: string,
  call: () => Promise<T>,
  answers: AwsCallAnswers<T> = {},
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const meaning = meaningOf(err);
    if (meaning === "not-found" && answers.notFound) return answers.notFound();
    if (meaning === "goal-reached" && answers.goalReached) return answers.goalReached();
    throw toReconcileError(err, what);
  }
}

/**
 * A field AWS always sends, checked rather than assumed: its absence is a retryable reason
 * (UnexpectedResponse), not a crash. `what` names it: "the id of policy p-1".
 */
export function required<V>(value: V | null | undefined, what: string, service = "AWS Organizations"): V {
  if (value === undefined || value === null || value === "") {
    throw new RetryableError("UnexpectedResponse", `${service} answered without ${what}`);
  }
  return value;
}
