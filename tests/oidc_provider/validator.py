"""What the test provider says about each person, from the people serve.py was started with."""

import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator

PEOPLE = {person["username"]: person for person in json.loads(os.environ["OIDC_PROVIDER_CONFIG"])["people"]}


class Validator(OAuth2Validator):
    def get_additional_claims(self, request):
        person = PEOPLE[request.user.username]
        # Released by scope (OAuth2Validator.oidc_claim_scope): name and preferred_username
        # with "profile", email and email_verified with "email".
        return {
            "preferred_username": person["username"],
            "name": person["name"],
            "email": person["email"],
            "email_verified": person["email_verified"],
        }
