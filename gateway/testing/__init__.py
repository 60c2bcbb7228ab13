"""Stand-ins for trying and testing the gateway: ``standin``, a vendor on loopback."""
