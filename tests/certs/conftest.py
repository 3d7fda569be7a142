"""Keys and a small CA hierarchy for the certificate tests; keys are made once per test module."""

import pytest

from pathways.certs import generate_private_key

from .factory import make_intermediate, make_leaf, make_root, rsa_key


@pytest.fixture(scope="module")
def root_key():
    return generate_private_key("EC-P256")


@pytest.fixture(scope="module")
def intermediate_key():
    return generate_private_key("EC-P256")


@pytest.fixture(scope="module")
def leaf_key():
    return generate_private_key("EC-P256")


@pytest.fixture(scope="module")
def other_key():
    return generate_private_key("EC-P256")


@pytest.fixture(scope="module")
def rsa2048_key():
    return generate_private_key("RSA-2048")


@pytest.fixture(scope="module")
def rsa1024_key():
    return rsa_key(1024)


@pytest.fixture(scope="module")
def root(root_key):
    return make_root(root_key)


@pytest.fixture(scope="module")
def intermediate(intermediate_key, root, root_key):
    return make_intermediate(intermediate_key, root, root_key)


@pytest.fixture(scope="module")
def leaf(leaf_key, intermediate, intermediate_key):
    return make_leaf(leaf_key, intermediate, intermediate_key)


@pytest.fixture(scope="module")
def chain_pem(leaf, intermediate, root):
    return leaf.pem + intermediate.pem + root.pem
