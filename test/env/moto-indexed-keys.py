"""moto_server, with the account an access key belongs to found through an index, not a scan.

moto answers "which account is this request for?" (moto.iam.models.get_account_id_from) by
scanning the IAM backend of every account in every partition, on every request: at 5,000 accounts
that scan was two thirds of moto's time (py-spy), so moto, not the controller under test, set the
pace of bench/scale.ts. AWS has no such cost. This launcher records every access key as moto
issues it (the only two places it does: IAMBackend.create_access_key and create_temp_access_key)
and answers from that record; answers are those of the scan: a recorded key still held by its
account gives that account, a key this server never issued gives the default account (the scan
finds nothing either), and anything else (a key deleted, or state reset) falls back to the scan.
Only bench/scale.ts uses it; the tests run moto-server.py. Both add the EC2 account attributes moto
lacks (moto_ec2_account_attributes.py), GuardDuty's organization calls (moto_guardduty_organization.py)
and the AWS managed policies orgguard attaches (moto_iam_managed_policies.py).
Usage: <moto venv>/bin/python moto-indexed-keys.py [moto_server arguments]
"""

import sys

import moto.iam.models as iam
import moto_ec2_account_attributes
import moto_guardduty_organization
import moto_iam_managed_policies
from moto.server import main
from moto.utilities.utils import PARTITION_NAMES

issued: dict[str, str] = {}
scan = iam.get_account_id_from


def recording(create):
    def create_and_record(self, *args, **kwargs):
        key = create(self, *args, **kwargs)
        issued[key.physical_resource_id] = self.account_id
        return key

    return create_and_record


iam.IAMBackend.create_access_key = recording(iam.IAMBackend.create_access_key)
iam.IAMBackend.create_temp_access_key = recording(iam.IAMBackend.create_temp_access_key)


def indexed_account_id_from(access_key: str) -> str:
    account_id = issued.get(access_key)
    if account_id is None:
        return iam.DEFAULT_ACCOUNT_ID
    account = iam.iam_backends[account_id]
    if any(access_key in account[partition].access_keys for partition in PARTITION_NAMES):
        return account_id
    return scan(access_key)


# moto.core.responses imports this name from the module at each request, so replacing it here
# is enough.
iam.get_account_id_from = indexed_account_id_from
moto_ec2_account_attributes.install()
moto_guardduty_organization.install()
moto_iam_managed_policies.install()

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
