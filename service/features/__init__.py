"""The one feature spec and the pure extract functions shared by serving and training."""

from service.features.extract import Vector, extract_api_key, extract_signup
from service.features.spec import FEATURES, SPEC_VERSION, categorical_names, names, spec_hash

__all__ = [
    "FEATURES",
    "SPEC_VERSION",
    "Vector",
    "categorical_names",
    "extract_api_key",
    "extract_signup",
    "names",
    "spec_hash",
]
