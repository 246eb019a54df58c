"""moto_server with what moto lacks that the examples use: the EC2 account attributes
(moto_ec2_account_attributes.py) and GuardDuty's organization configuration and members
(moto_guardduty_organization.py).

Usage: <moto venv>/bin/python moto-server.py [moto_server arguments]
"""

import sys

import moto_ec2_account_attributes
import moto_guardduty_organization
from moto.server import main

moto_ec2_account_attributes.install()
moto_guardduty_organization.install()

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
