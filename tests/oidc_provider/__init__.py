"""A real OpenID Connect provider for the tests: a tiny Django project on django-oauth-toolkit,
started on a free loopback port by `OIDCProvider` (process.py). See serve.py."""
