"""From tokens back to values: what comes back from the vendor.

* ``finder``: the token grammar, forgiving what vendors and agents do to tokens;
* ``restorer``: values put back in the caller's scopes only, escaped as the
  token was; every token seen reported;
* ``operators``: the restore operator, presidio-anonymizer's reverse direction;
* ``streaming``: text and server-sent events restored as they arrive.
"""
