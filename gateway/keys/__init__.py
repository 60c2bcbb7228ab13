"""Everything that touches key material, and nothing else does.

* ``crypto``: HMAC-derived token digests, AES-256-GCM for vault values, HKDF
  for separate purposes, and the ``Secret`` wrapper whose ``repr`` shows nothing;
* ``keyring``: the token key and the vault keys, from the environment or a 0600
  key file, rotated newest-first;
* ``credentials``: the vendor's credentials, webhook secrets and the API keys
  internal callers present.
"""
