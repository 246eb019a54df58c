"""moto_server with the EC2 account attributes moto lacks (moto_ec2_account_attributes.py), and what
the Security Hub and AWS Config aggregator examples need of it (moto_security_hub.py).

Usage: <moto venv>/bin/python moto-server.py [moto_server arguments]
"""

import sys

import moto_ec2_account_attributes
import moto_security_hub
from moto.server import main

moto_ec2_account_attributes.install()
moto_security_hub.install()

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
