"""A Secret Service that never answers: owns org.freedesktop.secrets on the
session bus, reads every method call and replies to none, as a hung
keyring daemon does. Writes READY_FILE once it owns the name."""

import sys

from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection


def main() -> None:
    connection = open_dbus_connection(bus="SESSION")
    reply = connection.send_and_get_reply(message_bus.RequestName("org.freedesktop.secrets", 4))  # DO_NOT_QUEUE
    if reply.body[0] != 1:
        sys.exit("silent-secret-service: could not own org.freedesktop.secrets")
    with open(sys.argv[1], "w") as ready:
        ready.write("ready\n")
    while True:
        connection.receive()  # and never reply


if __name__ == "__main__":
    main()
