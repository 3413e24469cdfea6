"""Text that can go into an XML 1.0 document (a factura, a SOAP message, an email's XML part).

XML 1.0 allows only tab, line feed, carriage return, U+0020–U+D7FF, U+E000–U+FFFD and
U+10000–U+10FFFF: no NUL or other C0 control, no lone surrogate, no U+FFFE/U+FFFF. lxml refuses
anything else when the document is built, long after the value was accepted, so inputs that may
end up in one are checked when they arrive.
"""

import re
from collections.abc import Iterator
from typing import Any

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def non_xml_char(value: str) -> str | None:
    """The first character of ``value`` that XML 1.0 does not allow, if any."""
    found = _NOT_XML.search(value)
    return found.group() if found else None


def describe(char: str) -> str:
    """How a message names the character: ``U+FFFE``."""
    return f"U+{ord(char):04X}"


def non_xml_message(char: str) -> str:
    """The Spanish message of a refused value."""
    return f"Contiene un carácter no permitido ({describe(char)}); revisa el texto."


def non_xml_fields(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted field name, the character) for every text in a JSON value with one XML 1.0
    refuses: keys included, list items named by their index (``holder.name``, ``items.0``)."""
    if isinstance(value, str):
        char = non_xml_char(value)
        if char is not None:
            yield path or "body", char
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            char = non_xml_char(str(key))
            if char is not None:
                yield name, char
            yield from non_xml_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from non_xml_fields(item, f"{path}.{index}" if path else str(index))
