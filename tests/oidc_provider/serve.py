"""`python -m tests.oidc_provider.serve`: run the test OpenID Connect provider on a free port of
127.0.0.1 until terminated. Started by process.py, which sets OIDC_PROVIDER_CONFIG (JSON: the
client's id, secret and redirect URIs, whether to skip the consent page, and the people who can
sign in, with their passwords and claims). It generates its RSA signing key, creates its
database, prints "READY <base url>" and serves (discovery, authorize, token, userinfo, JWKS).
"""

import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def create_client_and_people(config: dict) -> None:
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    for person in config["people"]:
        User.objects.create_user(person["username"], person["email"], person["password"])
    Application.objects.create(
        name=config.get("client_name", "Commonplace"),
        client_id=config["client_id"],
        client_secret=config["secret"],  # hashed when saved
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(config["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=config.get("skip_consent", False),
    )


def main() -> None:
    os.environ["OIDC_PROVIDER_RSA_KEY"] = signing_key()
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    create_client_and_people(json.loads(os.environ["OIDC_PROVIDER_CONFIG"]))
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=Server, handler_class=QuietHandler
    )
    sys.stdout.write(f"READY http://127.0.0.1:{server.server_port}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
