"""From detections to tokens: what leaves the company.

* ``operators``: one presidio-anonymizer operator per policy action (token,
  mask, drop);
* ``redactor``: detect, mint tokens durably, replace; one call per request;
* ``requests``: every readable string of a request redacted together;
* ``scopes``: which exchange a token belongs to (and the ids a vendor assigns).
"""
