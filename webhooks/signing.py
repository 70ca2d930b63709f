"""The `Liveblog-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

The time is inside what is signed, so a receiver that refuses old timestamps
cannot be fooled by a delivery recorded and replayed later.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "Liveblog-Signature"


def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature_compute(secret=secret, timestamp=timestamp, body=body)}"
