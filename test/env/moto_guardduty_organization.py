"""GuardDuty's organization configuration and members, which moto 5.2.5 does not implement.

moto keeps detectors and the delegated administrator list, but answers
DescribeOrganizationConfiguration, UpdateOrganizationConfiguration, ListMembers, CreateMembers,
StartMonitoringMembers, StopMonitoringMembers and DisableOrganizationAdminAccount with HTTP 404
(no route). The examples keep a GuardDutyOrganization, and `make demo`, the plan/apply test, the
report test, the events test and bench/calls-per-reconcile.ts apply them to moto: so the test
environment answers these calls here, as the GuardDuty API reference describes them, per account
and region, with the state kept on moto's GuardDuty backend (moto's reset clears it):

- the organization configuration of a detector is read and written only by an account some
  management account listed as delegated administrator in that region (else BadRequestException
  "...you do not have required AWS Organization master permission", AWS's words); it starts as
  auto-enable NONE for every plan;
- CreateMembers makes organization accounts members at once ("Enabled": no invitation), and
  StartMonitoringMembers / StopMonitoringMembers switch a member between "Enabled" and
  "Disabled"; ListMembers lists them. Auto-enable does not enrol accounts by itself here: in AWS
  it takes up to 24 hours, and orgguard enrols the existing accounts with CreateMembers;
- DisableOrganizationAdminAccount removes the account from the administrator list.

This is orgguard's own emulation, not moto's: a green run against it says the controller calls
these operations as the API reference describes them, nothing more. The integration test of the
kind (test/integration/guardduty-organization.test.ts) uses SDK-level stubs named as such instead.
"""

import json
from datetime import datetime, timezone

from moto.core.exceptions import JsonRESTError
from moto.guardduty import urls
from moto.guardduty.models import guardduty_backends
from moto.guardduty.responses import GuardDutyResponse

NOT_ADMIN = (
    "The request failed because you do not have required AWS Organization master permission."
)
ROUTES = {
    "{0}/detector/(?P<detector_id>[^/]+)/admin$": GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/member$": GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/member/start$": GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/member/stop$": GuardDutyResponse.dispatch,
    "{0}/admin/disable$": GuardDutyResponse.dispatch,
}


class BadRequest(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("BadRequestException", message)

    def get_headers(self, *args, **kwargs):
        return [("X-Amzn-ErrorType", "BadRequestException")]


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _detector_id(response):
    # /detector/<id>/admin, /detector/<id>/member, /detector/<id>/member/start
    parts = response.path.split("/")
    return parts[parts.index("detector") + 1]


def _state(response):
    """The configuration and members of the caller's detector (which must exist)."""
    backend = response.guardduty_backend
    detector_id = _detector_id(response)
    backend.get_detector(detector_id)
    state = getattr(backend, "_orgguard_organization", None)
    if state is None:
        state = {}
        backend._orgguard_organization = state
    return state.setdefault(
        detector_id, {"autoEnableOrganizationMembers": "NONE", "features": {}, "members": {}}
    )


def _require_administrator(response):
    """Only a delegated administrator (listed by some management account in this region) may call."""
    region = response.region
    account = response.current_account
    for account_backends in guardduty_backends.values():
        backend = account_backends.get(region) if hasattr(account_backends, "get") else None
        if backend is not None and account in backend.admin_account_ids:
            return
    raise BadRequest(NOT_ADMIN)


def describe_organization_configuration(self):
    _require_administrator(self)
    state = _state(self)
    features = [
        {
            "name": name,
            "autoEnable": feature["autoEnable"],
            "additionalConfiguration": [
                {"name": extra, "autoEnable": value} for extra, value in feature["additional"].items()
            ],
        }
        for name, feature in sorted(state["features"].items())
    ]
    return json.dumps(
        {
            "autoEnable": state["autoEnableOrganizationMembers"] != "NONE",
            "autoEnableOrganizationMembers": state["autoEnableOrganizationMembers"],
            "memberAccountLimitReached": False,
            "features": features,
        }
    )


def update_organization_configuration(self):
    _require_administrator(self)
    state = _state(self)
    auto_enable = self._get_param("autoEnableOrganizationMembers")
    if auto_enable is not None:
        if auto_enable not in ("ALL", "NEW", "NONE"):
            raise BadRequest(f"autoEnableOrganizationMembers={auto_enable}")
        state["autoEnableOrganizationMembers"] = auto_enable
    for feature in self._get_param("features") or []:
        kept = state["features"].setdefault(feature["name"], {"autoEnable": "NONE", "additional": {}})
        kept["autoEnable"] = feature.get("autoEnable", kept["autoEnable"])
        for extra in feature.get("additionalConfiguration") or []:
            kept["additional"][extra["name"]] = extra.get("autoEnable", "NONE")
    return "{}"


def _member(response, account_id, member):
    return {
        "accountId": account_id,
        "detectorId": _detector_id(response),
        "masterId": response.current_account,
        "administratorId": response.current_account,
        "email": member["email"],
        "relationshipStatus": member["status"],
        "invitedAt": member["updatedAt"],
        "updatedAt": member["updatedAt"],
    }


def list_members(self):
    _require_administrator(self)
    members = _state(self)["members"]
    return json.dumps(
        {"members": [_member(self, a, m) for a, m in sorted(members.items())]}
    )


def create_members(self):
    _require_administrator(self)
    members = _state(self)["members"]
    for detail in self._get_param("accountDetails") or []:
        members[detail["accountId"]] = {
            "email": detail.get("email", ""),
            "status": "Enabled",
            "updatedAt": _now(),
        }
    return json.dumps({"unprocessedAccounts": []})


def _set_status(response, status):
    _require_administrator(response)
    members = _state(response)["members"]
    unprocessed = []
    for account_id in response._get_param("accountIds") or []:
        if account_id in members:
            members[account_id]["status"] = status
            members[account_id]["updatedAt"] = _now()
        else:
            unprocessed.append(
                {"accountId": account_id, "result": "The request is rejected because the account is not a member."}
            )
    return json.dumps({"unprocessedAccounts": unprocessed})


def start_monitoring_members(self):
    return _set_status(self, "Enabled")


def stop_monitoring_members(self):
    return _set_status(self, "Disabled")


def disable_organization_admin_account(self):
    admin = self._get_param("adminAccountId")
    ids = self.guardduty_backend.admin_account_ids
    if admin not in ids:
        raise BadRequest("The request is rejected because the account is not an administrator.")
    # moto keeps duplicates when an account is designated twice: remove them all.
    ids[:] = [a for a in ids if a != admin]
    return "{}"


def install():
    """Adds the operations and their routes to moto's GuardDuty (call before moto's server starts)."""
    for handler in (
        describe_organization_configuration,
        update_organization_configuration,
        list_members,
        create_members,
        start_monitoring_members,
        stop_monitoring_members,
        disable_organization_admin_account,
    ):
        if hasattr(GuardDutyResponse, handler.__name__):
            raise RuntimeError(f"moto implements {handler.__name__} now: drop it from {__file__}")
        setattr(GuardDutyResponse, handler.__name__, handler)
    urls.url_paths.update(ROUTES)
