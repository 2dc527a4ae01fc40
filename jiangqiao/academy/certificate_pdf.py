"""The printable certificate (结业证书) as a PDF: ReportLab with the built-in Chinese CID font
(``core.pdf.cjk_font``), so Chinese renders offline with no font file and no download at run time."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from jiangqiao.core.pdf import cjk_font

from .models import Certificate


def render(cert: Certificate, verify_url: str = "") -> bytes:
    font = cjk_font()
    buf = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buf, pagesize=(width, height))
    pdf.setTitle(f"结业证书 {cert.number}")
    pdf.setLineWidth(3)
    pdf.rect(30, 30, width - 60, height - 60)
    pdf.setFont(font, 36)
    pdf.drawCentredString(width / 2, height - 120, "结 业 证 书")
    pdf.setFont(font, 18)
    lines = [
        f"{cert.trainee_name} 同志：",
        f"于 {cert.class_title} 参加《{cert.course_title}》培训，",
        f"完成学时 {cert.hours} 学时，经考核合格，准予结业。",
    ]
    y = height - 200
    for line in lines:
        pdf.drawString(110, y, line)
        y -= 40
    pdf.setFont(font, 14)
    pdf.drawString(110, 120, f"证书编号：{cert.number}")
    pdf.drawString(110, 95, f"发证日期：{cert.issued_on:%Y年%m月%d日}")
    pdf.drawRightString(width - 110, 120, cert.academy_name)
    if verify_url:
        pdf.setFont(font, 10)
        pdf.drawRightString(width - 110, 95, f"查验：{verify_url}")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
