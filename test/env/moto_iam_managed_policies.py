"""The AWS managed policies orgguard attaches, in every account of moto.

moto knows AWS's managed policies only when MOTO_IAM_LOAD_MANAGED_POLICIES is on, and then builds
all of them (about 1,300) for every account's IAM backend: far too slow for the organizations of
hundreds of accounts the tests and benches make. IncidentRoles attaches two of them
(AWSSupportAccess, SecurityAudit), which AWS has in every account: this loads those two, from moto's
own copy of AWS's documents, whatever the setting.
"""

import json

from moto.iam import models
from moto.iam.aws_managed_policies import aws_managed_policies_data

ATTACHED_BY_ORGGUARD = ("AWSSupportAccess", "SecurityAudit")


def install() -> None:
    original = models.IAMBackend._init_aws_policies

    def init_aws_policies(self: models.IAMBackend) -> list:
        policies = original(self)
        if policies:
            return policies
        data = json.loads(aws_managed_policies_data)
        return [
            models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data[name])
            for name in ATTACHED_BY_ORGGUARD
        ]

    models.IAMBackend._init_aws_policies = init_aws_policies
