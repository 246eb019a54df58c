"""EC2 account attributes moto 5.2.5 does not implement, answered as the EC2 API reference says.

moto answers GetInstanceMetadataDefaults, ModifyInstanceMetadataDefaults, the three snapshot
block public access calls and the three AMI ones with HTTP 500 ("not been implemented"). The
examples and the seeds baseline keep these settings, and `make demo`, the plan/apply test and the
admission test apply every example to moto: so the test environment answers them here, per
account and region, with the state kept on moto's EC2 backend (moto's reset clears it):

- GetInstanceMetadataDefaults returns AccountLevel with the fields that have an account-level
  default (none at first) and ManagedBy "account"; ModifyInstanceMetadataDefaults sets the fields
  it is sent, clears a field sent as no-preference (-1 for the hop limit), leaves the others.
- Get...BlockPublicAccessState returns the state ("unblocked" at first) and ManagedBy "account";
  Enable... sets the state it is sent, Disable... sets "unblocked". AWS takes up to 10 minutes to
  show an AMI change; here it shows at once (the delay is covered by SDK stubs in the tests:
  test/integration/ec2-account-attributes-stubs.test.ts, with declarative policies and refusals).

This is orgguard's own emulation, not moto's: a green run against it says the controller calls
these operations as the API reference describes them, nothing more.
"""

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidParameterValueError
from moto.ec2.responses import EC2Response

IMDS_FIELDS = ("HttpTokens", "HttpEndpoint", "InstanceMetadataTags")
ALLOWED = {
    "HttpTokens": ("optional", "required"),
    "HttpEndpoint": ("enabled", "disabled"),
    "InstanceMetadataTags": ("enabled", "disabled"),
}
SNAPSHOT_STATES = ("block-all-sharing", "block-new-sharing")
IMAGE_STATES = ("block-new-sharing",)


def _attributes(response):
    backend = response.ec2_backend
    state = getattr(backend, "_orgguard_account_attributes", None)
    if state is None:
        state = {"imds": {}, "snapshot": "unblocked", "image": "unblocked"}
        backend._orgguard_account_attributes = state
    return state


def get_instance_metadata_defaults(self):
    self.error_on_dryrun()
    return ActionResult({"AccountLevel": {**_attributes(self)["imds"], "ManagedBy": "account"}})


def modify_instance_metadata_defaults(self):
    self.error_on_dryrun()
    imds = _attributes(self)["imds"]
    for field in IMDS_FIELDS:
        value = self._get_param(field)
        if value is None:
            continue
        if value == "no-preference":
            imds.pop(field, None)
        elif value in ALLOWED[field]:
            imds[field] = value
        else:
            raise InvalidParameterValueError(f"{field}={value}")
    hops = self._get_int_param("HttpPutResponseHopLimit")
    if hops is not None:
        if hops == -1:
            imds.pop("HttpPutResponseHopLimit", None)
        elif 1 <= hops <= 64:
            imds["HttpPutResponseHopLimit"] = hops
        else:
            raise InvalidParameterValueError(f"HttpPutResponseHopLimit={hops}")
    return ActionResult({"Return": True})


def get_snapshot_block_public_access_state(self):
    self.error_on_dryrun()
    return ActionResult({"State": _attributes(self)["snapshot"], "ManagedBy": "account"})


def enable_snapshot_block_public_access(self):
    self.error_on_dryrun()
    state = self._get_param("State")
    if state not in SNAPSHOT_STATES:
        raise InvalidParameterValueError(f"State={state}")
    _attributes(self)["snapshot"] = state
    return ActionResult({"State": state})


def disable_snapshot_block_public_access(self):
    self.error_on_dryrun()
    _attributes(self)["snapshot"] = "unblocked"
    return ActionResult({"State": "unblocked"})


def get_image_block_public_access_state(self):
    self.error_on_dryrun()
    return ActionResult(
        {"ImageBlockPublicAccessState": _attributes(self)["image"], "ManagedBy": "account"}
    )


def enable_image_block_public_access(self):
    self.error_on_dryrun()
    state = self._get_param("ImageBlockPublicAccessState")
    if state not in IMAGE_STATES:
        raise InvalidParameterValueError(f"ImageBlockPublicAccessState={state}")
    _attributes(self)["image"] = state
    return ActionResult({"ImageBlockPublicAccessState": state})


def disable_image_block_public_access(self):
    self.error_on_dryrun()
    _attributes(self)["image"] = "unblocked"
    return ActionResult({"ImageBlockPublicAccessState": "unblocked"})


def install():
    """Adds the operations to moto's EC2 responses (call before moto's server starts)."""
    for handler in (
        get_instance_metadata_defaults,
        modify_instance_metadata_defaults,
        get_snapshot_block_public_access_state,
        enable_snapshot_block_public_access,
        disable_snapshot_block_public_access,
        get_image_block_public_access_state,
        enable_image_block_public_access,
        disable_image_block_public_access,
    ):
        if hasattr(EC2Response, handler.__name__):
            raise RuntimeError(f"moto implements {handler.__name__} now: drop it from {__file__}")
        setattr(EC2Response, handler.__name__, handler)
