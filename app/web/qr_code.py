"""QR codes drawn here, as inline SVG: no outside service ever sees what they hold.

Used for the otpauth:// URI of a new second factor. qrcode's path image is one <path> on
a white <rect>, coloured by presentation attributes; any style attribute is removed all
the same, because the Content-Security-Policy refuses inline styles.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import qrcode
from markupsafe import Markup
from qrcode.image.svg import SvgPathFillImage

#: Drawn this many CSS pixels square: big enough for any phone camera to read.
SIZE = 200


def qr_code_svg(data: str, *, label: str) -> Markup:
    """`data` as an <svg> QR code element, named `label` for screen readers."""
    image = qrcode.make(data, image_factory=SvgPathFillImage, border=4)
    root = ET.fromstring(image.to_string())
    for element in root.iter():
        # Plain tag names: HTML puts an inline <svg> in the SVG namespace by itself.
        element.tag = element.tag.rpartition("}")[2]
        element.attrib.pop("style", None)
        element.attrib.pop("id", None)  # qrcode's "qr-path" id could clash with the page's
    # qrcode sizes the image in millimetres; the viewBox keeps it square at any size.
    root.set("width", str(SIZE))
    root.set("height", str(SIZE))
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    return Markup(ET.tostring(root, encoding="unicode"))
