"""The printable A4 poster of a collection campaign (征集海报) and its QR code.

ReportLab with the built-in Chinese CID font (``core.pdf.cjk_font``) and segno for the QR code,
drawn as vector squares: offline, no font file, no image library, sharp at any print size.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import segno
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from jiangqiao.core.pdf import cjk_font

from .models_campaigns import Campaign

INSTRUCTIONS = (
    "1. 用手机扫描二维码，或在浏览器中打开下方链接；",
    "2. 登录企业账号（尚无账号的企业可先注册，或联系所在地工会开通）；",
    "3. 选择需求类别，简要说明遇到的问题、现状和期望效果，提交即可；",
    "4. 提交后获得需求编号，工会将安排劳模工匠提供服务。",
)


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error="m")


def qr_svg(url: str) -> str:
    """The QR code as inline SVG (the staff page), as the academy's 签到码 page draws it."""
    return str(qr_code(url).svg_inline(scale=6, omitsize=True))


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for ch in paragraph:
            if stringWidth(line + ch, font, size) > width:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


def _draw_qr(pdf: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    matrix = [list(row) for row in qr_code(url).matrix_iter(scale=1, border=4)]
    cell = size / len(matrix)
    pdf.setFillColor(white)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillColor(black)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def render(
    campaign: Campaign, *, url: str, unit_name: str, category_labels: Iterable[str]
) -> bytes:
    """One A4 page: title, unit, period, categories, the QR code, the link, short instructions."""
    font = cjk_font()
    buf = io.BytesIO()
    width, height = A4
    margin = 56
    text_width = width - 2 * margin
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(f"征集海报 {campaign.title}")
    pdf.setAuthor(unit_name)
    pdf.setFillColor(HexColor("#1d4ed8"))
    pdf.rect(0, height - 120, width, 120, stroke=0, fill=1)
    pdf.setFillColor(white)
    pdf.setFont(font, 15)
    pdf.drawCentredString(width / 2, height - 48, f"{unit_name}　劳模工匠助企服务")
    size = 26
    title_lines = _wrap(campaign.title, font, size, text_width)
    while len(title_lines) > 2 and size > 16:
        size -= 2
        title_lines = _wrap(campaign.title, font, size, text_width)
    y = height - 84
    pdf.setFont(font, size)
    for line in title_lines[:2]:
        pdf.drawCentredString(width / 2, y, line)
        y -= size + 6
    pdf.setFillColor(black)
    y = height - 160
    pdf.setFont(font, 14)
    rows = [
        f"发起单位：{unit_name}",
        f"征集时间：{campaign.starts_on:%Y年%m月%d日} 至 {campaign.deadline:%Y年%m月%d日}",
        f"征集类别：{'、'.join(category_labels)}",
    ]
    for row in rows:
        for line in _wrap(row, font, 14, text_width):
            pdf.drawString(margin, y, line)
            y -= 22
    y -= 6
    pdf.setFont(font, 11)
    for line in _wrap(campaign.announcement, font, 11, text_width)[:8]:
        pdf.drawString(margin, y, line)
        y -= 16
    qr_size = 220
    qr_y = max(210, y - 24 - qr_size)
    _draw_qr(pdf, url, (width - qr_size) / 2, qr_y, qr_size)
    pdf.setFont(font, 13)
    pdf.drawCentredString(width / 2, qr_y - 22, "手机扫码 提交企业需求")
    pdf.setFont("Helvetica", 9)
    pdf.drawCentredString(width / 2, qr_y - 40, url)
    y = qr_y - 70
    pdf.setFont(font, 11)
    pdf.drawString(margin, y, "填报说明")
    y -= 18
    for step in INSTRUCTIONS:
        for line in _wrap(step, font, 10.5, text_width):
            pdf.drawString(margin, y, line)
            y -= 15
    pdf.setFont(font, 10)
    pdf.drawCentredString(
        width / 2, 36, f"截止日期：{campaign.deadline:%Y年%m月%d日}（含当日），逾期链接不再接收需求"
    )
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
