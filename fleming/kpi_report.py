"""The period report: a PDF (fpdf2, charts rendered offline by vl-convert) and an Excel workbook.

Both hold aggregated figures only (no person is named); the fairness view stays on its page.
Making a report is an export and is audited.
"""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path

import pandas as pd
import vl_convert as vlc
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl.utils import get_column_letter
from PIL import Image
from sqlalchemy.orm import Session

from fleming import audit, kpi
from fleming import kpi_charts as kc
from fleming.actor import Actor
from fleming.exports import text_cells
from fleming.i18n import enum_label, fmt_date, translate
from fleming.kpi import KpiFilters
from fleming.models import utcnow
from fleming.permissions import authorize

FONTS_DIR = Path(__file__).parent / "assets" / "fonts"
PAGE_WIDTH_MM = 180  # A4 minus 15 mm margins
CHART_WIDTH_PX = 640
GAP_MONTHS = 6


def _t(key: str, lang: str, **params: object) -> str:
    return kc._t(key, lang, **params)


def _frames(session: Session, actor: Actor, filters: KpiFilters, lang: str) -> dict:
    return {
        name: fn(session=session, actor=actor, filters=filters, lang=lang)
        for name, fn in kpi.KPIS.items()
    }


def _with_gap(filters: KpiFilters) -> bool:
    """The competence gap is a snapshot of today's open vacancies: only for a period reaching
    today."""
    return filters.end >= date.today()


def filters_text(session: Session, filters: KpiFilters, lang: str) -> str:
    """The narrowing filters in words ("Mestiere: Sartoria; Tutor: …"), or "" when none."""
    from fleming.models import PartnerOrganisation, Trade, User

    parts = []
    if filters.trade_id is not None:
        trade = session.get(Trade, filters.trade_id)
        name = (trade.label_en if lang == "en" else trade.label_it) if trade else "?"
        parts.append(f"{translate('kpi.filters.trade', lang)}: {name}")
    if filters.funding_stream is not None:
        parts.append(
            f"{translate('kpi.filters.funding', lang)}: {enum_label(filters.funding_stream, lang)}"
        )
    if filters.tutor_id is not None:
        user = session.get(User, filters.tutor_id)
        parts.append(f"{translate('kpi.filters.tutor', lang)}: {user.full_name if user else '?'}")
    if filters.partner_org_id is not None:
        org = session.get(PartnerOrganisation, filters.partner_org_id)
        parts.append(f"{translate('kpi.filters.partner', lang)}: {org.name if org else '?'}")
    return "; ".join(parts)


def _title(filters: KpiFilters, lang: str) -> str:
    quarter = filters.quarter_of
    if quarter:
        return _t("kpi.report.title_quarter", lang, q=quarter[1], year=quarter[0])
    return _t("kpi.report.title", lang)


# =========================================================================== PDF
class _Pdf(FPDF):
    def __init__(self, lang: str, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.report_title = title
        self.add_font("DejaVu", "", str(FONTS_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_author("Centro Fleming")
        self.set_creator("Fleming")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, self.report_title, align="L")
        self.set_x(-40)
        self.cell(25, 5, translate("kpi.report.page", self.lang, n=self.page_no()), align="R")

    def heading(self, text: str, size: int = 14) -> None:
        self.set_font("DejaVu", "B", size)
        self.set_text_color(31, 78, 121)
        self.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        self.set_text_color(0, 0, 0)

    def paragraph(
        self, text: str, size: float = 10, grey: bool = False, bold: bool = False
    ) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.set_text_color(*((90, 90, 90) if grey else (20, 20, 20)))
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        self.set_text_color(0, 0, 0)

    def chart(self, chart) -> None:
        png = vlc.vegalite_to_png(chart.to_json(), scale=2)
        image = io.BytesIO(png)
        # fit the width; start a new page if the picture would not fit below
        with Image.open(io.BytesIO(png)) as img:
            w_px, h_px = img.size
        w_mm = min(PAGE_WIDTH_MM, w_px / 2 * 0.2646)  # 96 dpi at scale 2
        h_mm = w_mm * h_px / w_px
        if self.get_y() + h_mm > self.h - 20:
            self.add_page()
        self.image(image, x=15, w=w_mm, h=h_mm)
        self.ln(3)


def pdf(*, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it") -> bytes:
    """The report of the period as a PDF: summary figures, then each section's charts with their
    readings (and the competence gap when the period reaches today)."""
    authorize(session=session, actor=actor, operation="kpi.export")
    frames = _frames(session, actor, filters, lang)
    targets = kpi.targets(session=session, actor=actor)
    ref = filters.reference_day()
    sections = kc.dashboard_sections(
        frames, targets, filters, lang, width=CHART_WIDTH_PX, reference_day=fmt_date(ref, lang)
    )
    title = _title(filters, lang)
    doc = _Pdf(lang, title)
    doc.add_page()
    doc.heading(title, 18)
    doc.paragraph(
        _t(
            "kpi.report.period",
            lang,
            start=fmt_date(filters.start, lang),
            end=fmt_date(filters.end, lang),
        )
    )
    narrowed = filters_text(session, filters, lang)
    if narrowed:
        doc.paragraph(_t("kpi.report.filters", lang, filters=narrowed))
    doc.paragraph(
        _t("kpi.report.generated", lang, when=fmt_date(utcnow(), lang), who=actor.full_name),
        size=9,
        grey=True,
    )
    doc.heading(_t("kpi.report.summary", lang), 13)
    for h in kc.headlines(frames, targets, lang):
        doc.paragraph(f"• {h.label}: {h.value} — {h.detail}")
    doc.ln(2)
    for section in sections:  # every chart's reading, so page one tells the whole period
        doc.paragraph(_t(f"kpi.report.section.{section.key}", lang), size=10.5, bold=True)
        for spec in section.charts:
            doc.paragraph(f"– {spec.reading}", size=9.5)
    for section in sections:
        doc.add_page()
        doc.heading(_t(f"kpi.report.section.{section.key}", lang))
        if section.note:
            doc.paragraph(section.note, size=9, grey=True)
        for spec in section.charts:
            doc.paragraph(spec.reading)
            doc.chart(spec.chart)
    if _with_gap(filters):
        gap = kpi.competence_gap(
            session=session, actor=actor, filters=filters, lang=lang, months=GAP_MONTHS
        )
        suggestion = kpi.workshop_suggestion(
            session=session, actor=actor, filters=filters, lang=lang, months=GAP_MONTHS
        )
        doc.add_page()
        doc.heading(_t("kpi.report.section.gap", lang))
        doc.paragraph(_t("kpi.gap.caption", lang, months=GAP_MONTHS), size=9, grey=True)
        doc.paragraph(kc.suggestion_reading(suggestion, lang))
        doc.chart(kc.suggestion_chart(suggestion, lang, CHART_WIDTH_PX))
        doc.paragraph(kc.gap_reading(gap, lang, GAP_MONTHS))
        doc.chart(kc.gap_chart(gap, lang, CHART_WIDTH_PX))
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="kpi_report",
        entity_id="pdf",
        changes=_audit_changes(filters),
    )
    return bytes(doc.output())


def _audit_changes(filters: KpiFilters) -> dict:
    return {
        "start": filters.start,
        "end": filters.end,
        "trade_id": filters.trade_id,
        "funding_stream": filters.funding_stream,
        "tutor_id": filters.tutor_id,
        "partner_org_id": filters.partner_org_id,
    }


# =========================================================================== Excel
SHEETS = (
    ("internships_by_month", "kpi.chart.internships_monthly"),
    ("internships_by_year", "kpi.report.section.internships"),
    ("hire_outcomes", "kpi.chart.hire_rate"),
    ("contract_mix", "kpi.chart.contracts"),
    ("foreign_interns", "kpi.chart.foreign"),
    ("funnel", "kpi.chart.funnel"),
    ("caseload", "kpi.chart.caseload"),
    ("partners_over_time", "kpi.chart.active_partners"),
    ("hires_by_company", "kpi.chart.company_hires"),
    ("hires_by_sector", "kpi.chart.sector_hires"),
    ("workshops_by_trade", "kpi.tab.workshops"),
)
RATE_COLUMNS = {
    "share_of_target",
    "hire_rate",
    "share",
    "foreign_share",
    "conversion",
    "not_seen_share",
    "completion_rate",
    "share_of_open",
    "shortlisting_rate",
}


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join(c for c in text if c not in "[]:*?/\\")[:31]
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def workbook(*, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it") -> bytes:
    """The figures of the period as an Excel workbook: a "read me" sheet (period, filters, when)
    and one sheet per KPI table, with translated headers and percentages formatted as such."""
    authorize(session=session, actor=actor, operation="kpi.export")
    frames = _frames(session, actor, filters, lang)
    if _with_gap(filters):
        frames["competence_gap"] = kpi.competence_gap(
            session=session, actor=actor, filters=filters, lang=lang, months=GAP_MONTHS
        )
        frames["workshop_suggestion"] = kpi.workshop_suggestion(
            session=session, actor=actor, filters=filters, lang=lang, months=GAP_MONTHS
        )
    sheets = list(SHEETS)
    if "competence_gap" in frames:
        sheets += [
            ("competence_gap", "kpi.gap.table"),
            ("workshop_suggestion", "kpi.chart.suggestion"),
        ]
    buffer = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        readme = pd.DataFrame(
            {
                "": [
                    _title(filters, lang),
                    _t(
                        "kpi.report.period",
                        lang,
                        start=fmt_date(filters.start, lang),
                        end=fmt_date(filters.end, lang),
                    ),
                    _t(
                        "kpi.report.filters",
                        lang,
                        filters=filters_text(session, filters, lang) or "—",
                    ),
                    _t(
                        "kpi.report.generated",
                        lang,
                        when=fmt_date(utcnow(), lang),
                        who=actor.full_name,
                    ),
                ]
            }
        )
        readme_name = _sheet_name(_t("kpi.report.sheet.readme", lang), used)
        readme.to_excel(writer, sheet_name=readme_name, index=False, header=False)
        text_cells(writer.sheets[readme_name])  # a filter names people and companies
        writer.sheets[readme_name].column_dimensions["A"].width = 90
        for name, title_key in sheets:
            frame = frames[name]
            out = kc.export_frame(_excel_ready(frame), lang)
            sheet = _sheet_name(_t(title_key, lang), used)
            out.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            text_cells(ws)  # names of people and companies: text cells, never formulas
            ws.freeze_panes = "A2"
            for idx, col in enumerate(frame.columns, start=1):
                letter = get_column_letter(idx)
                header = str(out.columns[idx - 1])
                width = max([len(header)] + [len(str(v)) for v in frame[col].head(200)])
                ws.column_dimensions[letter].width = min(60, max(10, width + 2))
                if col in RATE_COLUMNS:
                    for cell in ws[letter][1:]:
                        cell.number_format = "0.0%"
                elif col == "month":
                    for cell in ws[letter][1:]:
                        cell.number_format = "mm/yyyy"
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="kpi_report",
        entity_id="xlsx",
        changes=_audit_changes(filters),
    )
    return buffer.getvalue()


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain Python values Excel can store: NaN rates become empty cells, timestamps dates."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.date
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = [None if (v is None or math.isnan(v)) else float(v) for v in out[col]]
            out[col] = out[col].astype(object)
    return out
