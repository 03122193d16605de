"""The Attribution Reporting API's browser-side algorithms, as a sans-IO library.

No Django, no network and no wall clock: the clock, randomness and storage are passed in.
"""

from .aggregatable_payload import PayloadError, decrypt_payload
from .config import CHROMIUM, Config
from .issues import Issue, ValidationResult
from .validate import validate

__all__ = ["CHROMIUM", "Config", "Issue", "ValidationResult", "validate", "PayloadError", "decrypt_payload"]
