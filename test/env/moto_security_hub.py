"""What moto 5.2.5 lacks for the SecurityHubOrganization and ConfigAggregator examples, answered as
the AWS API references say.

moto emulates Security Hub's hub, its organization administrator and configuration and its members,
but answers ListOrganizationAdminAccounts, the standards, the control associations, the finding
aggregator and central configuration's policies with HTTP 500 ("not been implemented"); it refuses
an UpdateOrganizationConfiguration without OrganizationConfiguration.Status (a field AWS reports and
does not ask for); and its AWS Organizations refuses config.amazonaws.com as a delegated
administrator (AWS accepts it: an organization aggregator in a member account needs it). The
examples, `make demo`, the plan/apply test and the benches apply every example to moto, so the test
environment answers these here, per account and region, with the state kept on moto's Security Hub
backend (moto's reset clears it):

- ListOrganizationAdminAccounts lists the administrator moto keeps for the organization, in every
  region (moto keeps one per organization).
- DescribeStandards offers the standards AWS offers (names, versions, ARN forms), each with a few of
  its real security control ids; BatchEnableStandards makes a standard READY at once, its controls
  ENABLED; GetEnabledStandards lists them, and, in an account a configuration policy reaches
  through the root, the policy's standards too.
- Control associations keep a status and a reason; an unknown control or standard is an
  unprocessed INVALID_INPUT, as AWS answers.
- One finding aggregator per account; configuration policies with their tags; associations by
  target (the policy applies at once: SUCCESS).
- moto's IAM has AWS's managed policies only when MOTO_IAM_LOAD_MANAGED_POLICIES is set (a
  thousand policies in every account: too slow for the scale bench); the aggregator's role needs
  one of them, AWSConfigRoleForOrganizations, which every account gets here.

This is orgguard's own emulation, not moto's: a green run against it says the controller calls
these operations as the API reference describes them, nothing more. The behaviour is tested with
SDK-level stubs (test/integration/security-hub-organization.test.ts, test/support/security-hub-stub.ts).
"""

import json
import uuid
from urllib.parse import unquote

import moto.securityhub.urls as securityhub_urls
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend
from moto.organizations.models import FakeDelegatedAdministrator
from moto.securityhub.exceptions import SecurityHubClientError
from moto.securityhub.models import SecurityHubBackend, securityhub_backends
from moto.securityhub.responses import SecurityHubResponse

# [name, version, AWS's display name, some of its security controls]: the same subset as
# test/support/security-hub-stub.ts.
CATALOGUE = [
    ("aws-foundational-security-best-practices", "1.0.0", "AWS Foundational Security Best Practices v1.0.0",
     ["Account.1", "CloudTrail.1", "Config.1", "EC2.2", "EC2.7", "EC2.8", "EC2.10", "IAM.6", "S3.1", "S3.5", "SSM.1"]),
    ("cis-aws-foundations-benchmark", "1.2.0", "CIS AWS Foundations Benchmark v1.2.0",
     ["CloudTrail.1", "CloudTrail.2", "CloudWatch.1", "Config.1", "EC2.2", "IAM.3", "IAM.4", "IAM.9", "IAM.18"]),
    ("cis-aws-foundations-benchmark", "3.0.0", "CIS AWS Foundations Benchmark v3.0.0",
     ["CloudTrail.1", "CloudTrail.2", "Config.1", "EC2.2", "EC2.7", "IAM.3", "IAM.4", "IAM.6", "IAM.9", "IAM.18",
      "IAM.28", "S3.1", "S3.5"]),
    ("cis-aws-foundations-benchmark", "5.0.0", "CIS AWS Foundations Benchmark v5.0.0",
     ["CloudTrail.1", "CloudTrail.2", "Config.1", "EC2.2", "EC2.7", "EC2.8", "IAM.3", "IAM.4", "IAM.6", "IAM.9",
      "IAM.18", "IAM.28", "KMS.4", "S3.1", "S3.5"]),
    ("pci-dss", "3.2.1", "PCI DSS v3.2.1", ["CloudTrail.2", "Config.1", "EC2.2", "IAM.4", "S3.1", "S3.5"]),
    ("pci-dss", "4.0.1", "PCI DSS v4.0.1",
     ["CloudTrail.2", "Config.1", "EC2.2", "GuardDuty.1", "IAM.4", "IAM.9", "KMS.4", "S3.1", "S3.5", "SSM.1"]),
    ("nist-800-53", "5.0.0", "NIST Special Publication 800-53 Revision 5", ["Config.1", "EC2.2", "S3.1"]),
]

SELF_MANAGED = "SELF_MANAGED_SECURITY_HUB"


def standard_arn(region, name, version):
    if name == "cis-aws-foundations-benchmark" and version == "1.2.0":
        return f"arn:aws:securityhub:::ruleset/{name}/v/{version}"
    return f"arn:aws:securityhub:{region}::standards/{name}/v/{version}"


def _catalogue(region):
    return [(standard_arn(region, n, v), title, controls) for n, v, title, controls in CATALOGUE]


def _state(backend):
    state = getattr(backend, "_orgguard_security_hub", None)
    if state is None:
        state = {"standards": {}, "associations": {}, "aggregator": None, "policies": {}, "targets": {}}
        backend._orgguard_security_hub = state
    return state


def _error(code, message):
    return SecurityHubClientError(code, message)


def _body(self):
    return json.loads(self.body) if self.body else {}


def _in_region(arn, region):
    """The same standard's ARN in `region` (a policy names the home region's)."""
    for name, version, _, _ in CATALOGUE:
        if arn.endswith(f"/{name}/v/{version}"):
            return standard_arn(region, name, version)
    return arn


def list_organization_admin_accounts(self):
    try:
        config = self.securityhub_backend._get_org_config()
    except Exception:  # not in an organization: none
        return json.dumps({"AdminAccounts": []})
    admin = config.get("admin_account_id")
    return json.dumps({"AdminAccounts": [{"AccountId": admin, "Status": "ENABLED"}] if admin else []})


def describe_standards(self):
    return json.dumps({
        "Standards": [
            {"StandardsArn": arn, "Name": title, "Description": title, "EnabledByDefault": False}
            for arn, title, _ in _catalogue(self.region)
        ]
    })


def _policy_standards(self):
    """
    Standards a configuration policy associated with the root gives this account in this region,
    applied as AWS applies them: the standard's controls, the policy's disabled ones DISABLED.
    """
    arns = []
    try:
        central = self.securityhub_backend._get_org_config()["configuration"].get("ConfigurationType") == "CENTRAL"
    except Exception:  # not in an organization
        central = False
    if not central:  # policies apply under central configuration only
        return arns
    own = _state(self.securityhub_backend)
    catalogue = {arn: controls for arn, _, controls in _catalogue(self.region)}
    for region, backend in securityhub_backends[self.current_account].items():
        state = _state(backend)
        aggregator = state["aggregator"]
        if not aggregator or (self.region != region and self.region not in aggregator["regions"]):
            continue
        for target, policy_id in state["targets"].items():
            policy = state["policies"].get(policy_id)
            if not policy or not target.startswith("r-"):
                continue
            hub = policy["ConfigurationPolicy"].get("SecurityHub", {})
            disabled = set(hub.get("SecurityControlsConfiguration", {}).get("DisabledSecurityControlIdentifiers", []))
            for arn in [_in_region(a, self.region) for a in hub.get("EnabledStandardIdentifiers", [])]:
                arns.append(arn)
                for control in catalogue.get(arn, []):
                    own["associations"][(arn, control)] = {"status": "DISABLED" if control in disabled else "ENABLED"}
    return arns


def get_enabled_standards(self):
    state = _state(self.securityhub_backend)
    arns = list(state["standards"]) + [a for a in _policy_standards(self) if a not in state["standards"]]
    subscriptions = []
    for arn in arns:
        subscription = arn.split(":standards/")[-1].split(":ruleset/")[-1]
        subscriptions.append({
            "StandardsArn": arn,
            "StandardsSubscriptionArn": f"arn:aws:securityhub:{self.region}:{self.current_account}:subscription/{subscription}",
            "StandardsInput": {},
            "StandardsStatus": "READY",
        })
    return json.dumps({"StandardsSubscriptions": subscriptions})


def batch_enable_standards(self):
    state = _state(self.securityhub_backend)
    known = {arn: controls for arn, _, controls in _catalogue(self.region)}
    requests = [r["StandardsArn"] for r in _body(self).get("StandardsSubscriptionRequests", [])]
    unknown = [arn for arn in requests if arn not in known]
    if unknown:
        raise _error("InvalidInputException", f"Invalid StandardsArn: {', '.join(unknown)}")
    for arn in requests:
        state["standards"][arn] = "READY"
        for control in known[arn]:
            state["associations"].setdefault((arn, control), {"status": "ENABLED"})
    return json.dumps({"StandardsSubscriptions": []})


def list_security_control_definitions(self):
    arn = self._get_param("StandardsArn")
    for a, _, controls in _catalogue(self.region):
        if a == arn or arn is None:
            return json.dumps({
                "SecurityControlDefinitions": [
                    {"SecurityControlId": c, "Title": c, "Description": c, "RemediationUrl": "https://docs.aws.amazon.com/securityhub/",
                     "SeverityRating": "MEDIUM", "CurrentRegionAvailability": "AVAILABLE"}
                    for c in controls
                ]
            })
    raise _error("InvalidInputException", f"Invalid StandardsArn: {arn}")


def batch_get_standards_control_associations(self):
    state = _state(self.securityhub_backend)
    details, unprocessed = [], []
    for i in _body(self).get("StandardsControlAssociationIds", []):
        association = state["associations"].get((i["StandardsArn"], i["SecurityControlId"]))
        if association is None:
            unprocessed.append({"StandardsControlAssociationId": i, "ErrorCode": "NOT_FOUND", "ErrorReason": "not found"})
            continue
        detail = {
            "StandardsArn": i["StandardsArn"],
            "SecurityControlId": i["SecurityControlId"],
            "SecurityControlArn": f"arn:aws:securityhub:{self.region}:{self.current_account}:security-control/{i['SecurityControlId']}",
            "AssociationStatus": association["status"],
        }
        if association.get("reason"):
            detail["UpdatedReason"] = association["reason"]
        details.append(detail)
    return json.dumps({"StandardsControlAssociationDetails": details, "UnprocessedAssociations": unprocessed})


def batch_update_standards_control_associations(self):
    state = _state(self.securityhub_backend)
    unprocessed = []
    for u in _body(self).get("StandardsControlAssociationUpdates", []):
        key = (u["StandardsArn"], u["SecurityControlId"])
        association = state["associations"].get(key)
        if association is None:
            unprocessed.append({"StandardsControlAssociationUpdate": u, "ErrorCode": "INVALID_INPUT",
                                "ErrorReason": f"Invalid security control id or standard: {key[1]} in {key[0]}"})
            continue
        association["status"] = u["AssociationStatus"]
        if u["AssociationStatus"] == "DISABLED":
            association["reason"] = u.get("UpdatedReason", "")
        else:
            association.pop("reason", None)
    return json.dumps({"UnprocessedAssociationUpdates": unprocessed})


def create_finding_aggregator(self):
    state = _state(self.securityhub_backend)
    if state["aggregator"]:
        raise _error("ResourceConflictException", "A finding aggregator already exists")
    body = _body(self)
    arn = f"arn:aws:securityhub:{self.region}:{self.current_account}:finding-aggregator/{uuid.uuid4()}"
    state["aggregator"] = {"arn": arn, "mode": body.get("RegionLinkingMode"), "regions": body.get("Regions", [])}
    return json.dumps({"FindingAggregatorArn": arn, "FindingAggregationRegion": self.region,
                       "RegionLinkingMode": body.get("RegionLinkingMode"), "Regions": body.get("Regions", [])})


def list_finding_aggregators(self):
    aggregator = _state(self.securityhub_backend)["aggregator"]
    return json.dumps({"FindingAggregators": [{"FindingAggregatorArn": aggregator["arn"]}] if aggregator else []})


def _aggregator(self):
    aggregator = _state(self.securityhub_backend)["aggregator"]
    arn = unquote(self._get_param("FindingAggregatorArn") or "")
    if not aggregator or aggregator["arn"] != arn:
        raise _error("ResourceNotFoundException", f"No finding aggregator {arn}")
    return aggregator


def get_finding_aggregator(self):
    aggregator = _aggregator(self)
    return json.dumps({"FindingAggregatorArn": aggregator["arn"], "FindingAggregationRegion": self.region,
                       "RegionLinkingMode": aggregator["mode"], "Regions": aggregator["regions"]})


def update_finding_aggregator(self):
    aggregator = _aggregator(self)
    body = _body(self)
    aggregator["mode"] = body.get("RegionLinkingMode")
    aggregator["regions"] = body.get("Regions", [])
    return json.dumps({"FindingAggregatorArn": aggregator["arn"], "FindingAggregationRegion": self.region,
                       "RegionLinkingMode": aggregator["mode"], "Regions": aggregator["regions"]})


def _policy_out(policy):
    return {k: policy[k] for k in ("Arn", "Id", "Name", "Description", "ConfigurationPolicy")}


def create_configuration_policy(self):
    state = _state(self.securityhub_backend)
    body = _body(self)
    if any(p["Name"] == body["Name"] for p in state["policies"].values()):
        raise _error("ResourceConflictException", f"A configuration policy named {body['Name']} exists")
    policy_id = str(uuid.uuid4())
    policy = {
        "Arn": f"arn:aws:securityhub:{self.region}:{self.current_account}:configuration-policy/{policy_id}",
        "Id": policy_id,
        "Name": body["Name"],
        "Description": body.get("Description", ""),
        "ConfigurationPolicy": body.get("ConfigurationPolicy", {}),
        "Tags": body.get("Tags", {}),
    }
    state["policies"][policy_id] = policy
    return json.dumps(_policy_out(policy))


def list_configuration_policies(self):
    policies = _state(self.securityhub_backend)["policies"].values()
    return json.dumps({"ConfigurationPolicySummaries": [
        {"Arn": p["Arn"], "Id": p["Id"], "Name": p["Name"], "Description": p["Description"],
         "ServiceEnabled": p["ConfigurationPolicy"].get("SecurityHub", {}).get("ServiceEnabled", False)}
        for p in policies
    ]})


def _policy(self):
    identifier = unquote(self._get_param("Identifier") or "").split("/")[-1]
    policy = _state(self.securityhub_backend)["policies"].get(identifier)
    if policy is None:
        raise _error("ResourceNotFoundException", f"No configuration policy {identifier}")
    return policy


def get_configuration_policy(self):
    return json.dumps(_policy_out(_policy(self)))


def update_configuration_policy(self):
    policy = _policy(self)
    body = _body(self)
    policy["Name"] = body.get("Name", policy["Name"])
    policy["Description"] = body.get("Description", "")
    policy["ConfigurationPolicy"] = body.get("ConfigurationPolicy", policy["ConfigurationPolicy"])
    return json.dumps(_policy_out(policy))


def delete_configuration_policy(self):
    policy = _policy(self)
    state = _state(self.securityhub_backend)
    if policy["Id"] in state["targets"].values():
        raise _error("ResourceConflictException", "The configuration policy is associated with targets")
    del state["policies"][policy["Id"]]
    return json.dumps({})


def _target(body):
    target = body.get("Target", {})
    for key, kind in (("RootId", "ROOT"), ("OrganizationalUnitId", "ORGANIZATIONAL_UNIT"), ("AccountId", "ACCOUNT")):
        if target.get(key):
            return target[key], kind
    raise _error("InvalidInputException", "Target must name a root, an OU or an account")


def get_configuration_policy_association(self):
    target, kind = _target(_body(self))
    policy_id = _state(self.securityhub_backend)["targets"].get(target)
    return json.dumps({"ConfigurationPolicyId": policy_id or SELF_MANAGED, "TargetId": target, "TargetType": kind,
                       "AssociationType": "APPLIED" if policy_id else "INHERITED", "AssociationStatus": "SUCCESS"})


def start_configuration_policy_association(self):
    body = _body(self)
    target, kind = _target(body)
    state = _state(self.securityhub_backend)
    policy_id = body["ConfigurationPolicyIdentifier"].split("/")[-1]
    if policy_id != SELF_MANAGED and policy_id not in state["policies"]:
        raise _error("ResourceNotFoundException", f"No configuration policy {policy_id}")
    state["targets"][target] = policy_id
    return json.dumps({"ConfigurationPolicyId": policy_id, "TargetId": target, "TargetType": kind,
                       "AssociationType": "APPLIED", "AssociationStatus": "SUCCESS"})


def start_configuration_policy_disassociation(self):
    target, _ = _target(_body(self))
    _state(self.securityhub_backend)["targets"].pop(target, None)
    return json.dumps({})


def list_tags_for_resource(self):
    arn = unquote(self._get_param("ResourceArn") or "")
    for policy in _state(self.securityhub_backend)["policies"].values():
        if policy["Arn"] == arn:
            return json.dumps({"Tags": policy["Tags"]})
    raise _error("ResourceNotFoundException", f"No resource {arn}")


HANDLERS = (
    list_organization_admin_accounts,
    describe_standards,
    get_enabled_standards,
    batch_enable_standards,
    list_security_control_definitions,
    batch_get_standards_control_associations,
    batch_update_standards_control_associations,
    create_finding_aggregator,
    list_finding_aggregators,
    get_finding_aggregator,
    update_finding_aggregator,
    create_configuration_policy,
    list_configuration_policies,
    get_configuration_policy,
    update_configuration_policy,
    delete_configuration_policy,
    get_configuration_policy_association,
    start_configuration_policy_association,
    start_configuration_policy_disassociation,
    list_tags_for_resource,
)

# The paths of those operations (botocore's model: requestUri), routed to moto's Security Hub.
URL_PATHS = [
    "{0}/organization/admin$",
    "{0}/standards$",
    "{0}/standards/get$",
    "{0}/standards/register$",
    "{0}/securityControls/definitions$",
    "{0}/associations/batchGet$",
    "{0}/associations$",
    "{0}/findingAggregator/create$",
    "{0}/findingAggregator/list$",
    "{0}/findingAggregator/get/(?P<arn>.+)$",
    "{0}/findingAggregator/update$",
    "{0}/configurationPolicy/create$",
    "{0}/configurationPolicy/list$",
    "{0}/configurationPolicy/get/(?P<identifier>[^/]+)$",
    "{0}/configurationPolicy/(?P<identifier>[^/]+)$",
    "{0}/configurationPolicyAssociation/get$",
    "{0}/configurationPolicyAssociation/associate$",
    "{0}/configurationPolicyAssociation/disassociate$",
    "{0}/tags/(?P<arn>.+)$",
]

_update_organization_configuration = SecurityHubBackend.update_organization_configuration
_init_aws_policies = IAMBackend._init_aws_policies
# The one AWS managed policy the ConfigAggregator example's role attaches (read once).
AGGREGATOR_POLICY = "AWSConfigRoleForOrganizations"
_AGGREGATOR_POLICY_DATA = json.loads(aws_managed_policies_data)[AGGREGATOR_POLICY]


def init_aws_policies(self):
    policies = _init_aws_policies(self)
    if any(p.name == AGGREGATOR_POLICY for p in policies):
        return policies
    return [*policies, AWSManagedPolicy.from_data(AGGREGATOR_POLICY, self.account_id, self.region_name, _AGGREGATOR_POLICY_DATA)]


def update_organization_configuration(self, auto_enable, auto_enable_standards=None, organization_configuration=None):
    """AWS reports OrganizationConfiguration.Status and does not ask for it; moto refuses a request without it."""
    if organization_configuration and "Status" not in organization_configuration:
        organization_configuration = {**organization_configuration, "Status": "ENABLED"}
    return _update_organization_configuration(self, auto_enable, auto_enable_standards, organization_configuration)


def install():
    """Adds the operations and fixes to moto (call before moto's server starts)."""
    for handler in HANDLERS:
        if hasattr(SecurityHubResponse, handler.__name__):
            raise RuntimeError(f"moto implements {handler.__name__} now: drop it from {__file__}")
        setattr(SecurityHubResponse, handler.__name__, handler)
    for path in URL_PATHS:
        securityhub_urls.url_paths.setdefault(path, SecurityHubResponse.dispatch)
    SecurityHubBackend.update_organization_configuration = update_organization_configuration
    IAMBackend._init_aws_policies = init_aws_policies
    if "config.amazonaws.com" not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append("config.amazonaws.com")
