"""SVG templates that more than one test area draws."""

from __future__ import annotations

# A plain user template in millimetres naming one font, with boxes chosen so each kind of finding
# can happen: the name's box is roomy, the organisation's impossibly small (3 mm, one line), the
# QR code's 12 mm.
FINDINGS_TEMPLATE = b"""<svg xmlns="http://www.w3.org/2000/svg"
     width="100mm" height="70mm" viewBox="0 0 100 70" font-family="DejaVu Sans">
  <text x="50" y="20" text-anchor="middle" font-size="8" data-max-width="80" data-min-size="5"
        data-max-lines="2">{{name}}</text>
  <text x="5" y="40" font-size="4" data-max-width="3" data-max-lines="1"
        data-min-size="3.5">{{organization}}</text>
  <rect x="80" y="50" width="12" height="12" fill="none" data-qr="email"/>
</svg>"""
