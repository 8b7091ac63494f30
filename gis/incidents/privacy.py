"""Personal data: reporters' names and phones are masked wherever incidents are listed."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str | None) -> str | None:
    """Keep the first three and last four digits of a full number, at most half of a shorter one.

    A number without its area code (a landline's 8 digits) keeps two digits at each end, so
    four or more stay hidden whatever its length.

    Examples
    --------
    >>> mask_phone("13812345678"), mask_phone("010-6273 1234"), mask_phone(None)
    ('138****5678', '010****1234', None)
    >>> mask_phone("6273 1234"), mask_phone("1234567")
    ('62****34', '*******')
    """
    if not phone:
        return phone
    digits = "".join(_DIGITS.findall(phone))
    if len(digits) < 8:
        return "*" * len(digits)
    if len(digits) < 11:
        return f"{digits[:2]}****{digits[-2:]}"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str | None) -> str | None:
    """Keep the family name (the first character).

    Examples
    --------
    >>> mask_name("张三丰"), mask_name("李")
    ('张**', '*')
    """
    if not name:
        return name
    return "*" if len(name) == 1 else name[0] + "*" * (len(name) - 1)
