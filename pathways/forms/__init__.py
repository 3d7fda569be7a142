"""Forms: the landscape form and the per-field validation of the wizard."""

from pathways.forms.landscape import LandscapeForm
from pathways.forms.wizard import clean_value

__all__ = ["LandscapeForm", "clean_value"]
