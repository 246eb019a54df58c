"""moto_server with what moto lacks that the examples use: the EC2 account attributes
(moto_ec2_account_attributes.py), GuardDuty's organization configuration and members
(moto_guardduty_organization.py), the AWS managed policies orgguard attaches in every account
(moto_iam_managed_policies.py), and what the Security Hub and AWS Config aggregator examples need
(moto_security_hub.py).

Usage: <moto venv>/bin/python moto-server.py [moto_server arguments]
"""

import sys

import moto_ec2_account_attributes
import moto_guardduty_organization
import moto_iam_managed_policies
import moto_security_hub
from moto.server import main

moto_ec2_account_attributes.install()
moto_guardduty_organization.install()
moto_iam_managed_policies.install()
moto_security_hub.install()

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
