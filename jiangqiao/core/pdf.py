"""PDF helpers shared by the apps (certificates, the upward report, posters).

Chinese text uses ReportLab's built-in CID font STSong-Light (Adobe-GB1): it renders offline with
no font file and no download at run time.
"""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """The name of the Chinese font, registered with ReportLab on first use."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT
