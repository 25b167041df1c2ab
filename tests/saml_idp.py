"""`python -m tests.saml_idp`: a small SAML 2.0 identity provider for the tests, on a free port of
127.0.0.1 until terminated (started by `saml_idp()` below, through tests/loopback.py).

It generates its own RSA key and self-signed certificate, then serves:
- GET  /metadata  its IdP metadata (entity id, SSO URL, signing certificate);
- GET  /sso       the HTTP-Redirect binding: reads the service provider's AuthnRequest (deflated,
                  base64) and shows a sign-in form;
- POST /sso       checks the person's password and answers with an HTML form that POSTs a
                  SAML Response, its Assertion signed (RSA-SHA256, exclusive C14N, by xmlsec through
                  python3-saml), to the AssertionConsumerServiceURL the request named.

People and their attributes come from SAML_IDP_PEOPLE (JSON), as for the OIDC provider.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import secrets
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import requests

from tests.loopback import Person, loopback_server

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
EMAIL_OID = "urn:oid:0.9.2342.19200300.100.1.3"
USERNAME_OID = "urn:oid:0.9.2342.19200300.100.1.1"
DISPLAY_NAME_OID = "urn:oid:2.16.840.1.113730.3.1.241"


# --- The test's side --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningIdP:
    url: str
    certificate: str

    @property
    def entity_id(self) -> str:
        return f"{self.url}/metadata"

    def environment(self, name: str, *, metadata: bool = False) -> dict[str, str]:
        """What an operator would set: the metadata URL, or the entity id, SSO URL and cert."""
        if metadata:
            return {
                "COMMONPLACE_SAML_NAME": name,
                "COMMONPLACE_SAML_IDP_ENTITY_ID": self.entity_id,
                "COMMONPLACE_SAML_IDP_METADATA_URL": f"{self.url}/metadata",
            }
        return {
            "COMMONPLACE_SAML_NAME": name,
            "COMMONPLACE_SAML_IDP_ENTITY_ID": self.entity_id,
            "COMMONPLACE_SAML_IDP_SSO_URL": f"{self.url}/sso",
            "COMMONPLACE_SAML_IDP_X509_CERT": self.certificate,
        }


@contextmanager
def saml_idp(people: list[Person]) -> Iterator[RunningIdP]:
    config = json.dumps([vars(person) for person in people])
    with loopback_server("tests.saml_idp", {"SAML_IDP_PEOPLE": config}) as url:
        certificate = requests.get(f"{url}/certificate", timeout=10).text
        yield RunningIdP(url=url, certificate=certificate)


# --- The identity provider's side ---------------------------------------------------------------


def key_and_certificate() -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Product IdP")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


def instant(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_authn_request(encoded: str) -> dict[str, str]:
    xml = zlib.decompress(base64.b64decode(encoded), -15)
    root = ElementTree.fromstring(xml)  # noqa: S314 (a test server reading the site under test)
    return {
        "id": root.attrib["ID"],
        "acs": root.attrib["AssertionConsumerServiceURL"],
        "sp": root.find(f"{{{SAML}}}Issuer").text,
    }


def signed_response(idp, request: dict[str, str], person: dict) -> str:
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    now = dt.datetime.now(dt.UTC)
    later = instant(now + dt.timedelta(minutes=5))
    attributes = {
        EMAIL_OID: person["email"],
        USERNAME_OID: person["username"],
        DISPLAY_NAME_OID: person["name"],
    }
    statements = "".join(
        f'<saml:Attribute Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">'
        f"<saml:AttributeValue>{html.escape(value)}</saml:AttributeValue></saml:Attribute>"
        for name, value in attributes.items()
    )
    assertion = (
        f'<saml:Assertion xmlns:saml="{SAML}" ID="_a{secrets.token_hex(16)}" Version="2.0" '
        f'IssueInstant="{instant(now)}">'
        f"<saml:Issuer>{idp.entity_id}</saml:Issuer>"
        "<saml:Subject>"
        '<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
        f"{person['username']}</saml:NameID>"
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData NotOnOrAfter="{later}" Recipient="{request["acs"]}" '
        f'InResponseTo="{request["id"]}"/>'
        "</saml:SubjectConfirmation></saml:Subject>"
        f'<saml:Conditions NotBefore="{instant(now - dt.timedelta(minutes=1))}" NotOnOrAfter="{later}">'
        f"<saml:AudienceRestriction><saml:Audience>{request['sp']}</saml:Audience></saml:AudienceRestriction>"
        "</saml:Conditions>"
        f'<saml:AuthnStatement AuthnInstant="{instant(now)}" SessionIndex="_s{secrets.token_hex(8)}">'
        "<saml:AuthnContext><saml:AuthnContextClassRef>"
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
        f"<saml:AttributeStatement>{statements}</saml:AttributeStatement>"
        "</saml:Assertion>"
    )
    signed = OneLogin_Saml2_Utils.add_sign(assertion, idp.key, idp.certificate).decode()
    signed = signed.removeprefix('<?xml version="1.0"?>').strip()
    response = (
        f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_r{secrets.token_hex(16)}" '
        f'Version="2.0" IssueInstant="{instant(now)}" Destination="{request["acs"]}" '
        f'InResponseTo="{request["id"]}">'
        f"<saml:Issuer>{idp.entity_id}</saml:Issuer>"
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        f"{signed}</samlp:Response>"
    )
    return base64.b64encode(response.encode()).decode()


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · Example Product IdP</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


class IdP:
    def __init__(self, url: str, people: list[dict]):
        self.url = url
        self.entity_id = f"{url}/metadata"
        self.people = {person["username"]: person for person in people}
        self.key, self.certificate = key_and_certificate()

    def metadata(self) -> str:
        body = "".join(self.certificate.strip().splitlines()[1:-1])
        return (
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'entityID="{self.entity_id}"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
            f"<ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
            "</md:KeyDescriptor>"
            "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
            f'Location="{self.url}/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
        )

    def sign_in_page(self, saml_request: str, relay_state: str, error: str = "") -> str:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in (("SAMLRequest", saml_request), ("RelayState", relay_state))
        )
        return PAGE.format(
            title="Sign in to Example Product",
            body=(f'<p role="alert">{error}</p>' if error else "")
            + f'<form method="post" action="/sso">{hidden}'
            '<p><label for="username">Username</label> <input id="username" name="username" required></p>'
            '<p><label for="password">Password</label> '
            '<input id="password" name="password" type="password" required></p>'
            '<button type="submit">Sign in</button></form>',
        )

    def post_back_page(self, acs: str, saml_response: str, relay_state: str) -> str:
        # With JavaScript a real IdP submits this at once; the button does it without.
        return PAGE.format(
            title="Signing you in",
            body=f'<form method="post" action="{html.escape(acs)}">'
            f'<input type="hidden" name="SAMLResponse" value="{saml_response}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
            "<button type=submit>Continue</button></form>",
        )


def serve() -> None:
    people = json.loads(os.environ["SAML_IDP_PEOPLE"])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.idp = IdP(f"http://127.0.0.1:{server.server_port}", people)
    sys.stdout.write(f"READY {server.idp.url}\n")
    sys.stdout.flush()
    server.serve_forever()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def answer(self, status: int, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        idp: IdP = self.server.idp
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/metadata":
            self.answer(200, idp.metadata(), "application/samlmetadata+xml")
        elif url.path == "/certificate":
            self.answer(200, idp.certificate, "application/x-pem-file")
        elif url.path == "/sso" and "SAMLRequest" in query:
            read_authn_request(query["SAMLRequest"])  # refuse what is not an AuthnRequest
            self.answer(200, idp.sign_in_page(query["SAMLRequest"], query.get("RelayState", "")))
        else:
            self.answer(404, PAGE.format(title="Not found", body=""))

    def do_POST(self):
        idp: IdP = self.server.idp
        length = int(self.headers.get("Content-Length", 0))
        form = {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}
        saml_request, relay_state = form.get("SAMLRequest", ""), form.get("RelayState", "")
        person = idp.people.get(form.get("username", ""))
        if self.path != "/sso" or not saml_request:
            self.answer(400, PAGE.format(title="Bad request", body=""))
        elif person is None or person["password"] != form.get("password"):
            self.answer(200, idp.sign_in_page(saml_request, relay_state, "Wrong username or password."))
        else:
            request = read_authn_request(saml_request)
            response = signed_response(idp, request, person)
            self.answer(200, idp.post_back_page(request["acs"], response, relay_state))


if __name__ == "__main__":
    serve()
