"""The HTTP gateway: the edges where requests, sockets and the vendor are.

* ``app``: the ASGI app (``create_app``): the gateway's own API, everything
  else to the proxy; ``api``: that own API on FastAPI;
* ``runtime``: a running gateway, checked then started in one step;
* ``proxy``: one exchange, in the order that makes it fail closed;
  ``inbound``: the vendor's answer; ``deliveries`` and ``webhooks``: vendor
  webhooks; ``exchange``: what the three share;
* ``upstream``: the one transport to the vendor; ``routing``: routes matched;
* ``metrics``: Prometheus; ``workers``: ``serve --workers N``.
"""
