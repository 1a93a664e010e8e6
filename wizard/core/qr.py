"""A URL as a QR code in text: for opening step 2's sign-in link on a phone.

segno (pure Python, pinned) encodes; here the symbol becomes lines of half blocks, two
rows of modules a line, drawn as ``qrencode -t UTF8`` does: the light modules are the
blocks, so light text on a dark terminal shows dark modules on a light ground (and a
widget sets those colours itself).
"""

from __future__ import annotations

# A code taller than this many lines does not help: the text is shorter to type.
MAX_LINES = 40
BORDER = 2  # the quiet zone, in modules


def lines(url: str, border: int = BORDER) -> list[str]:
    """The code's lines (``border``: the quiet zone in modules); [] when the URL is too
    long for a code worth scanning."""
    import segno

    code = segno.make(url, error="l", micro=False)
    rows = [[not dark for dark in row] for row in code.matrix_iter(scale=1, border=border)]
    if (len(rows) + 1) // 2 > MAX_LINES:
        return []
    if len(rows) % 2:
        rows.append([True] * len(rows[0]))
    glyphs = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    return ["".join(glyphs[top, bottom] for top, bottom in zip(upper, lower, strict=True))
            for upper, lower in zip(rows[::2], rows[1::2], strict=True)]
