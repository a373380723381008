"""HTTP Basic with an API token as the password: many TAXII and MISP clients speak nothing else."""

import base64
import binascii

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header


def _password(credentials: bytes) -> str:
    try:
        return base64.b64decode(credentials, validate=True).decode().partition(":")[2]
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        return ""


class BasicTokenAuthentication(BaseAuthentication):
    """`Authorization: Basic base64(anything:<token>)`: the user name is ignored, the token decides."""

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != b"basic":
            return None
        token = _password(auth[1]) if len(auth) == 2 else ""
        if not token:
            raise exceptions.AuthenticationFailed("Send Basic credentials with an API token as the password.")
        return TokenAuthentication().authenticate_credentials(token.encode())

    def authenticate_header(self, request) -> str:
        # Listed first, so a refused request invites Basic: the one scheme every such client speaks.
        return 'Basic realm="claim-tracker"'


# The API's own schemes after Basic: Bearer tokens and browser sessions work here as everywhere.
FEED_AUTHENTICATION = [BasicTokenAuthentication, TokenAuthentication, SessionAuthentication]


class BasicTokenScheme(OpenApiAuthenticationExtension):
    target_class = BasicTokenAuthentication
    name = "basicToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Any user name, and an API token (create_api_token) as the password.",
        }
