"""Model factories for tests."""

import factory
from django.contrib.auth import get_user_model

from pathways.models import Landscape, Membership, Role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class LandscapeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Landscape
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Landscape {n}")
    tier = "dev"
    runtime_url = "https://demo.it-cpi001-rt.cfapps.eu10.hana.ondemand.com"
    cf_api_url = "https://api.cf.eu10.hana.ondemand.com"
    cf_uaa_url = "https://uaa.cf.eu10.hana.ondemand.com"
    cf_org = "org"
    cf_space = "dev"
    cf_user = "tech@example.com"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    landscape = factory.SubFactory(LandscapeFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CONSULTANT
