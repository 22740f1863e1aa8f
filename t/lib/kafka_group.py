#!/usr/bin/python3
"""The members of a Kafka consumer group as the broker sees them, for the
test suite (Debian's python3-confluent-kafka, independent of the module).

    kafka_group.py GROUP --brokers B

Output, one line each:

    STATE <state>             the group's state (Stable, PreparingRebalance...)
    MEMBER <n> <client id>    one member and the number of partitions it has

Nothing but "STATE Dead" (or no STATE) for a group the broker does not know.
"""

import argparse
import struct
import sys

from confluent_kafka.admin import AdminClient


def partitions(assignment):
    """The partition count of a consumer protocol assignment."""
    if len(assignment) < 6:
        return 0
    (ntopics,) = struct.unpack_from(">i", assignment, 2)
    off, n = 6, 0
    for _ in range(max(ntopics, 0)):
        (tlen,) = struct.unpack_from(">h", assignment, off)
        off += 2 + tlen
        (nparts,) = struct.unpack_from(">i", assignment, off)
        off += 4 + 4 * nparts
        n += nparts
    return n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("group")
    p.add_argument("--brokers", required=True)
    args = p.parse_args()

    admin = AdminClient({"bootstrap.servers": args.brokers})
    for g in admin.list_groups(args.group, timeout=10):
        if g.id != args.group:
            continue
        print("STATE %s" % g.state)
        for m in g.members:
            print("MEMBER %d %s" % (partitions(m.assignment), m.client_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
