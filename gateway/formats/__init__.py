"""Body formats, read and edited in place: what a person wrote, located in raw bytes.

* ``request``: a request as pieces of text to redact (body by media type, path,
  query, headers), each rebuilt by splicing its replacements;
* ``jsontext`` and ``documents``: JSON located and edited in place, parsed with
  bounds (depth, duplicate keys), fields classified by a policy's rules;
* ``markup``: HTML text and readable attributes; ``multipart``: form-data parts;
* ``compression``: request bodies inflated under a cap;
* ``media``: content types and the escaping a restored value needs;
* ``splice``: the one function that replaces spans.
"""
